"""numpy semantics of `ternc --quantize`: weights quantized at compile time
with a #tern.method, activations to int8 per token at run time, and
tern.linear's integer products. Written from the method definitions in
dialect/TernAttrs.td, sharing no code with tern."""
import numpy as np

MIN_SCALE = 1e-5


def _groups(n, k, granularity):
    """Index arrays of the elements sharing one scale, in scale order."""
    flat = np.arange(n * k).reshape(n, k)
    if granularity == "per_tensor":
        return [flat.ravel()]
    if granularity == "per_channel":
        return [flat[r] for r in range(n)]
    size = int(granularity.split("=")[1])
    return [flat.ravel()[u * size:(u + 1) * size] for u in range(n * k // size)]


def _exactly_ternary(w, groups):
    for g in groups:
        a = np.abs(w.ravel()[g])
        nonzero = a[a != 0]
        if nonzero.size and not np.all(nonzero == nonzero[0]):
            return False
    return True


def quantize_weights(w, method, granularity):
    """w: [N, K] float32. Returns (values int8 [N, K], scales float32 per
    group, the method actually used)."""
    n, k = w.shape
    groups = _groups(n, k, granularity)
    if method in ("absmean", "twn", "exact") and _exactly_ternary(w, groups):
        method = "exact"
    flat = w.ravel().astype(np.float32)
    values = np.zeros(n * k, np.int8)
    scales = np.zeros(len(groups), np.float32)
    for u, g in enumerate(groups):
        x = flat[g]
        mean_abs = np.abs(x).astype(np.float64).sum() / x.size
        if method in ("absmean", "binary"):
            s = np.float32(max(mean_abs, MIN_SCALE))
            q = (np.where(x >= 0, 1, -1) if method == "binary"
                 else np.clip(np.round(x / s), -1, 1))
        elif method == "twn":
            t = np.float32(mean_abs * 0.7)
            above = np.abs(x) > t
            count = int(above.sum())
            s = np.float32(np.abs(x[above]).astype(np.float64).sum() / count
                           if count else MIN_SCALE)
            q = np.where(above, np.where(x > 0, 1, -1), 0)
        else:  # exact, int2, int4: symmetric absmax
            levels = np.float32(7 if method == "int4" else 1)
            s = np.float32(max(np.abs(x).max(), np.float32(MIN_SCALE))) / levels
            q = np.clip(np.round(x / s), -levels, levels)
        values[g] = q
        scales[u] = s
    return values.reshape(n, k), scales, method


def quantize_activations(x):
    """BitNet A8 per token: s = max(max|x|, 1e-5) / 127 per row."""
    absmax = np.abs(x).max(axis=1)
    s = (np.maximum(absmax, np.float32(MIN_SCALE)) / np.float32(127)).astype(np.float32)
    q = np.clip(np.round(x / s[:, None]), -128, 127).astype(np.int32)
    return q, s


def linear(x, w, method, granularity):
    """x [M, K] @ w[N, K]^T the way a quantized tern.linear computes it."""
    values, scales, _ = quantize_weights(w, method, granularity)
    q, xs = quantize_activations(x.astype(np.float32))
    acc = q @ values.astype(np.int32).T  # exact integer sums
    if granularity == "per_tensor":  # scales combined first
        return (acc.astype(np.float32) * (xs * scales[0])[:, None]).astype(np.float32)
    if granularity == "per_channel":
        return ((acc.astype(np.float32) * scales[None, :]) * xs[:, None]).astype(np.float32)
    # group=G: exact integer sums per group, each scaled by its weight scale
    # and summed in group order, then times the input scale.
    size = int(granularity.split("=")[1])
    n, k = values.shape
    groups = k // size
    partial = np.einsum("mgs,ngs->mng", q.reshape(-1, groups, size),
                        values.astype(np.int32).reshape(n, groups, size))
    ws = scales.reshape(n, groups)
    y = np.zeros((q.shape[0], n), np.float32)
    for g in range(groups):
        y = (y + partial[:, :, g].astype(np.float32) * ws[None, :, g]).astype(np.float32)
    return (y * xs[:, None]).astype(np.float32)


def fake_quantize(w, method, granularity):
    """Quantized then dequantized weights of the same shape: how ternc
    quantizes a Conv (rows are output channels)."""
    rows = w.reshape(w.shape[0], -1).astype(np.float32)
    values, scales, _ = quantize_weights(rows, method, granularity)
    if granularity == "per_tensor":
        per_row = np.full(rows.shape[0], scales[0], np.float32)
    elif granularity == "per_channel":
        per_row = scales
    else:
        raise NotImplementedError("group scales")
    return (values.astype(np.float32) * per_row[:, None]).reshape(w.shape)
