"""A small numpy interpreter for ONNX graphs: the independent reference the
real-model tests compare ternc's executables against.

It covers the ops of the models in ../shared/testdata/onnx-models, written
from the ONNX operator specification, sharing no code with tern.
"""
import numpy as np
import onnx
from onnx import numpy_helper

import quantized_reference


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _softmax(x, axis, opset):
    if opset < 13:  # coerced to 2-D at axis
        shape = x.shape
        x = x.reshape(int(np.prod(shape[:axis])), -1)
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).reshape(shape)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _padded_input(x, kh, kw, a):
    """x padded as the Conv attributes say, and the output height/width."""
    n, c, h, wd = x.shape
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    pads = list(a.get("pads", [0, 0, 0, 0]))
    auto = a.get("auto_pad", b"NOTSET").decode()
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        for i, (size, k, s, d) in enumerate(((h, kh, sh, dh), (wd, kw, sw, dw))):
            out = -(-size // s)
            total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
            small, large = total // 2, total - total // 2
            pads[i], pads[i + 2] = (small, large) if auto == "SAME_UPPER" else (large, small)
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (xp.shape[2] - ((kh - 1) * dh + 1)) // sh + 1
    ow = (xp.shape[3] - ((kw - 1) * dw + 1)) // sw + 1
    return xp, oh, ow


def _patches(x, kh, kw, a):
    """im2col: one row per output position (n, oh, ow), columns (c, i, j)."""
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    xp, oh, ow = _padded_input(x, kh, kw, a)
    n, c = x.shape[:2]
    cols = np.zeros((n, oh, ow, c, kh, kw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[..., i, j] = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                                 j * dw:j * dw + sw * (ow - 1) + 1:sw].transpose(0, 2, 3, 1)
    return cols.reshape(n * oh * ow, c * kh * kw), (n, oh, ow)


def _quantized_conv2d(x, w, b, a, quantize):
    """A one-group Conv the way quantized ternc computes it: a quantized
    linear over the patches, int8 activations per output position."""
    rows, (n, oh, ow) = _patches(x, w.shape[2], w.shape[3], a)
    y = quantized_reference.linear(rows, w.reshape(w.shape[0], -1), *quantize)
    y = y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y.astype(x.dtype)


def _conv2d(x, w, b, a):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    sh, sw = a.get("strides", [1, 1])
    dh, dw = a.get("dilations", [1, 1])
    group = a.get("group", 1)
    xp, oh, ow = _padded_input(x, kh, kw, a)
    y = np.zeros((n, m, oh, ow), dtype=np.float64)
    mg = m // group
    for f in range(m):
        g = f // mg
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg,
                           i * dh:i * dh + sh * (oh - 1) + 1:sh,
                           j * dw:j * dw + sw * (ow - 1) + 1:sw]
                y[:, f] += np.einsum("nchw,c->nhw", patch, w[f, :, i, j])
    if b is not None:
        y += b.reshape(1, m, 1, 1)
    return y.astype(x.dtype)


def _maxpool2d(x, a):
    kh, kw = a["kernel_shape"]
    sh, sw = a.get("strides", [1, 1])
    pads = a.get("pads", [0, 0, 0, 0])
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])),
                constant_values=-np.inf)
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    y = np.full(x.shape[:2] + (oh, ow), -np.inf, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            y = np.maximum(y, xp[:, :, i:i + sh * (oh - 1) + 1:sh,
                                 j:j + sw * (ow - 1) + 1:sw])
    return y


def _quant(x, scale, zero, bits, a):
    signed, narrow = a.get("signed", 1), a.get("narrow", 0)
    bits = int(bits)
    lo = -(2 ** (bits - 1)) + narrow if signed else 0
    hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1 - narrow
    mode = a.get("rounding_mode", b"ROUND").decode().upper()
    rnd = {"ROUND": np.round, "CEIL": np.ceil, "FLOOR": np.floor}[mode]
    q = np.clip(rnd(x / scale + zero), lo, hi)
    return ((q - zero) * scale).astype(x.dtype)


MULTIPLY_FREE = ("absmean", "twn", "binary")  # ternary and bipolar weights


def run(model, feeds, quantize=None, products=None):
    """Evaluates `model` on `feeds` (name -> array); returns the outputs in
    graph-output order. With quantize=(method, granularity), MatMul, Gemm
    and one-group Conv with constant weights compute as `ternc --quantize`
    does (quantized_reference.py), and each is appended to `products` (a
    list, when given) as (layer name, rows, outputs, weight granularity,
    whether the weights are ternary or binary): rows are tokens, or output
    positions of a Conv. A Gemm/MatMul whose weight is a BipolarQuant of
    constants is imported as binary weights and is listed too."""
    opset = next((o.version for o in model.opset_import
                  if o.domain in ("", "ai.onnx")), 1)
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    inits = set(env)
    bipolar = {}  # BipolarQuant outputs of constants -> their scale count
    env.update(feeds)
    for index, node in enumerate(model.graph.node):
        a = _attrs(node)
        quantized = False
        x = [env[name] if name else None for name in node.input]
        op = node.op_type
        constant_weight = len(node.input) > 1 and node.input[1] in inits
        if op == "Gemm":
            A = x[0].T if a.get("transA", 0) else x[0]
            B = x[1].T if a.get("transB", 0) else x[1]
            if quantize and constant_weight and A.ndim == 2:
                y = a.get("alpha", 1.0) * quantized_reference.linear(A, B.T, *quantize)
                quantized = True
            else:
                y = a.get("alpha", 1.0) * (A @ B)
            if len(x) > 2 and x[2] is not None:
                y = y + a.get("beta", 1.0) * x[2]
            y = y.astype(x[0].dtype)
        elif op == "MatMul":
            if quantize and constant_weight and x[0].ndim == 2 and x[1].ndim == 2:
                y = quantized_reference.linear(x[0], x[1].T, *quantize)
                quantized = True
            else:
                y = x[0] @ x[1]
        elif op == "Add":
            y = x[0] + x[1]
        elif op == "Mul":
            y = x[0] * x[1]
        elif op == "ReduceMax":
            axes = tuple(a["axes"]) if "axes" in a else None
            y = np.max(x[0], axis=axes, keepdims=bool(a.get("keepdims", 1)))
        elif op == "Relu":
            y = np.maximum(x[0], 0)
        elif op == "Sigmoid":
            y = (1 / (1 + np.exp(-x[0]))).astype(x[0].dtype)
        elif op == "Softmax":
            axis = a.get("axis", 1 if opset < 13 else -1)
            y = _softmax(x[0], axis % x[0].ndim, opset).astype(x[0].dtype)
        elif op == "BatchNormalization":
            shape = (1, -1) + (1,) * (x[0].ndim - 2)
            scale, bias, mean, var = (v.reshape(shape) for v in x[1:5])
            y = ((x[0] - mean) / np.sqrt(var + a.get("epsilon", 1e-5)) * scale
                 + bias).astype(x[0].dtype)
        elif op == "Unsqueeze":
            y = x[0]
            for axis in sorted(a["axes"]):
                y = np.expand_dims(y, axis)
        elif op == "Squeeze":
            y = np.squeeze(x[0], axis=tuple(a["axes"]))
        elif op == "Transpose":
            y = np.transpose(x[0], a.get("perm"))
        elif op == "Identity":
            y = x[0]
        elif op == "Flatten":
            axis = a.get("axis", 1)
            y = x[0].reshape(int(np.prod(x[0].shape[:axis])), -1)
        elif op == "Reshape":
            shape = [d if d != 0 else x[0].shape[i] for i, d in enumerate(x[1])]
            y = x[0].reshape(shape)
        elif op == "Conv":
            w, b = x[1], x[2] if len(x) > 2 else None
            if quantize and constant_weight and a.get("group", 1) == 1:
                y = _quantized_conv2d(x[0], w, b, a, quantize)
                quantized = True
            else:
                if quantize and constant_weight:  # grouped: weights only
                    w = quantized_reference.fake_quantize(w, *quantize)
                y = _conv2d(x[0], w, b, a)
        elif op == "MaxPool":
            y = _maxpool2d(x[0], a)
        elif op == "BipolarQuant":
            y = (np.where(x[0] >= 0, 1.0, -1.0) * x[1]).astype(x[0].dtype)
            if all(name in inits for name in node.input):
                bipolar[node.output[0]] = x[1].size
        elif op == "Quant":
            y = _quant(x[0], x[1], x[2], x[3], a)
        else:
            raise NotImplementedError(f"numpy reference lacks {op}")
        env[node.output[0]] = y
        if products is not None:
            layer = None
            if op in ("Gemm", "MatMul") and node.input[1] in bipolar:
                layer = ("per_tensor" if bipolar[node.input[1]] == 1
                         else "per_channel", True)
            elif quantized:
                layer = (quantize[1], quantize[0] in MULTIPLY_FREE)
            if layer:
                # ternc names an unnamed node "#index Op".
                channels = y.shape[1] if op == "Conv" else y.shape[-1]
                products.append((node.name or f"#{index} {op}",
                                 y.size // channels, y.size) + layer)
    return [env[o.name] for o in model.graph.output]
