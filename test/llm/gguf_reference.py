"""An independent numpy reference for llama-architecture GGUF models.

Reads a GGUF file with its own parser (struct + numpy, nothing shared with
tern's C++ reader), runs the model in float64 and decodes greedily. Used to
check tern's LLM path, and checked itself against llama.cpp's outputs
(../shared/testdata/gguf-llamacpp).

    gguf_reference.py MODEL.gguf --prompt-ids 1,9038,2501 -n 32
        [--int8-activations] [--step1-logits FILE]
prints the greedy ids on one line, then one line per step with the top-10
logits as id:logit. Reads F32, F16, TQ1_0, TQ2_0 and I2_S tensors.
"""
import argparse
import struct

import numpy as np

VALUE_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i",
                 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
GGML_F32, GGML_F16, GGML_TQ1_0, GGML_TQ2_0, GGML_I2_S = 0, 1, 34, 35, 36


def decode_tq2_0(raw, count):
    """block_tq2_0 {qs[64]; half d}: bits 2n of byte 32c + m hold the
    code (w + 1) of element 128c + 32n + m."""
    blocks = np.frombuffer(raw, np.uint8, count // 256 * 66).reshape(-1, 66)
    d = blocks[:, 64:66].copy().view("<f2").astype(np.float64)  # [B, 1]
    qs = blocks[:, :64].reshape(-1, 2, 1, 32)  # [B, c, n, m]
    codes = (qs >> (2 * np.arange(4)[None, None, :, None])) & 3
    return ((codes.reshape(-1, 256).astype(np.float64) - 1) * d).ravel()


def base3_digits(q, n):
    """Digit i of n from bytes that hold ceil(v * 256 / 243), v in base 3
    with digit 0 most significant: (q * 3^i mod 256) * 3 >> 8."""
    q = q.astype(np.uint16)
    return np.stack([((q * 3 ** i) % 256 * 3) >> 8 for i in range(n)])


def decode_tq1_0(raw, count):
    """block_tq1_0 {qs[48]; qh[4]; half d}: 5 trits per qs byte, 4 per qh
    byte, digit-major within each group of bytes."""
    blocks = np.frombuffer(raw, np.uint8, count // 256 * 54).reshape(-1, 54)
    d = blocks[:, 52:54].copy().view("<f2").astype(np.float64)
    out = []
    for b in blocks:
        out.append(base3_digits(b[0:32], 5).ravel())
        out.append(base3_digits(b[32:48], 5).ravel())
        out.append(base3_digits(b[48:52], 4).ravel())
    codes = np.concatenate(out).reshape(-1, 256).astype(np.float64)
    return ((codes - 1) * d).ravel()


def decode_i2_s(raw, count):
    """bitnet.cpp I2_S (x86): element 32g + m of each 128-element block sits
    in bits 6 - 2g of byte m of its 32 bytes; one fp32 scale after the data."""
    data = np.frombuffer(raw, np.uint8, count // 4).reshape(-1, 1, 32)
    scale = np.frombuffer(raw, "<f4", 1, count // 4)[0]
    codes = (data >> (6 - 2 * np.arange(4))[None, :, None]) & 3  # [B, g, m]
    assert (codes != 3).all(), "I2_S code 3"
    return (codes.astype(np.float64).ravel() - 1) * scale


TENSOR_BYTES = {GGML_F32: lambda n: 4 * n, GGML_F16: lambda n: 2 * n,
                GGML_TQ1_0: lambda n: n // 256 * 54,
                GGML_TQ2_0: lambda n: n // 256 * 66,
                GGML_I2_S: lambda n: n // 4 + 32}
DECODERS = {GGML_TQ1_0: decode_tq1_0, GGML_TQ2_0: decode_tq2_0,
            GGML_I2_S: decode_i2_s}


class Gguf:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        self.pos = 0
        magic, version, n_tensors, n_kv = self.unpack("<4sIQQ")
        assert magic == b"GGUF" and version in (2, 3), path
        self.meta = {}
        for _ in range(n_kv):
            key = self.string()
            self.meta[key] = self.value(self.unpack("<I")[0])
        infos = []
        for _ in range(n_tensors):
            name = self.string()
            rank = self.unpack("<I")[0]
            ne = self.unpack("<%dQ" % rank)
            kind, offset = self.unpack("<IQ")
            infos.append((name, ne, kind, offset))
        align = self.meta.get("general.alignment", 32)
        base = (self.pos + align - 1) // align * align
        self.tensors = {}
        for name, ne, kind, offset in infos:
            count = int(np.prod(ne))
            start = base + offset
            if kind in (GGML_F32, GGML_F16):
                array = np.frombuffer(self.data, {GGML_F32: "<f4", GGML_F16: "<f2"}[kind],
                                      count, start)
            elif kind in DECODERS:
                raw = self.data[start:start + TENSOR_BYTES[kind](count)]
                array = DECODERS[kind](raw, count)
            else:
                self.tensors[name] = None  # Q4_K, Q6_K, ...: not read here
                continue
            # ggml order is fastest dimension first: numpy shape reversed.
            self.tensors[name] = array.astype(np.float64).reshape(ne[::-1])

    def unpack(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def string(self):
        n = self.unpack("<Q")[0]
        s = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return s

    def value(self, kind):
        if kind == 8:
            return self.string()
        if kind == 9:
            element, count = self.unpack("<IQ")
            return [self.value(element) for _ in range(count)]
        return self.unpack(VALUE_FORMATS[kind])[0]


def int8_per_token(x):
    """BitNet's activation quantization (transformers' BitLinear): symmetric
    int8 per token, scale 127 / max|x|, rounded to nearest."""
    scale = 127 / np.maximum(np.abs(x).max(axis=-1, keepdims=True), 1e-5)
    return np.clip(np.round(x * scale), -128, 127) / scale


def int8_per_row(table):
    """tern's int8 LM head table: absmax / 127 per row, half to even."""
    scale = np.maximum(np.abs(table).max(axis=-1, keepdims=True), 1e-5) / 127
    return np.round(table / scale) * scale


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x, positions, n_rot, base, neox):
    """llama.cpp's LLAMA_ROPE_TYPE_NORM rotates adjacent pairs (2i, 2i+1);
    NEOX (Hugging Face's rotate_half) rotates (i, i + n_rot/2)."""
    out = x.copy()
    i = np.arange(n_rot // 2)
    theta = positions[:, None] * base ** (-2.0 * i / n_rot)  # [T, n_rot/2]
    cos, sin = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
    if neox:
        first, second = slice(0, n_rot // 2), slice(n_rot // 2, n_rot)
    else:
        first, second = slice(0, n_rot, 2), slice(1, n_rot, 2)
    x0, x1 = x[..., first], x[..., second]
    out[..., first] = x0 * cos - x1 * sin
    out[..., second] = x0 * sin + x1 * cos
    return out


class Llama:
    """llama, and BitNet b1.58 (bitnet-b1.58, bitnet-25): squared ReLU,
    sub-norms before the output projections, NeoX rotary pairs (bitnet.cpp's
    converter does not permute Q/K the way llama's does)."""

    def __init__(self, gguf, int8_activations=False):
        self.act = int8_per_token if int8_activations else (lambda x: x)
        self.int8_head = int8_activations
        m, arch = gguf.meta, gguf.meta["general.architecture"]
        assert arch in ("llama", "bitnet-b1.58", "bitnet-25"), arch
        self.bitnet = arch != "llama"
        self.t = gguf.tensors
        self.n_layer = m[arch + ".block_count"]
        self.n_head = m[arch + ".attention.head_count"]
        self.n_kv = m.get(arch + ".attention.head_count_kv", self.n_head)
        self.eps = m[arch + ".attention.layer_norm_rms_epsilon"]
        self.base = m.get(arch + ".rope.freq_base", 10000.0)
        n_embd = m[arch + ".embedding_length"]
        self.head_dim = n_embd // self.n_head
        self.n_rot = m.get(arch + ".rope.dimension_count", self.head_dim)
        self.head = None
        self.k_cache = [None] * self.n_layer
        self.v_cache = [None] * self.n_layer
        self.n_past = 0

    def forward(self, ids):
        """Logits of the last position after feeding ids."""
        t = self.t
        x = t["token_embd.weight"][ids]  # [T, n_embd]
        T = len(ids)
        positions = np.arange(self.n_past, self.n_past + T, dtype=np.float64)
        for layer in range(self.n_layer):
            p = "blk.%d." % layer
            h = rms_norm(x, t[p + "attn_norm.weight"], self.eps)
            q = (self.act(h) @ t[p + "attn_q.weight"].T).reshape(T, self.n_head, -1)
            k = (self.act(h) @ t[p + "attn_k.weight"].T).reshape(T, self.n_kv, -1)
            v = (self.act(h) @ t[p + "attn_v.weight"].T).reshape(T, self.n_kv, -1)
            q = rope(q, positions, self.n_rot, self.base, self.bitnet)
            k = rope(k, positions, self.n_rot, self.base, self.bitnet)
            if self.k_cache[layer] is not None:
                k = np.concatenate([self.k_cache[layer], k])
                v = np.concatenate([self.v_cache[layer], v])
            self.k_cache[layer], self.v_cache[layer] = k, v
            S = k.shape[0]
            group = self.n_head // self.n_kv
            out = np.empty((T, self.n_head, self.head_dim))
            for head in range(self.n_head):
                kh, vh = k[:, head // group], v[:, head // group]
                scores = q[:, head] @ kh.T / np.sqrt(self.head_dim)
                mask = np.arange(S)[None, :] > (self.n_past + np.arange(T))[:, None]
                scores[mask] = -np.inf
                scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
                scores /= scores.sum(axis=-1, keepdims=True)
                out[:, head] = scores @ vh
            out = out.reshape(T, -1)
            if self.bitnet:
                out = rms_norm(out, t[p + "attn_sub_norm.weight"], self.eps)
            x = x + self.act(out) @ t[p + "attn_output.weight"].T
            h = rms_norm(x, t[p + "ffn_norm.weight"], self.eps)
            gate = self.act(h) @ t[p + "ffn_gate.weight"].T
            up = self.act(h) @ t[p + "ffn_up.weight"].T
            if self.bitnet:
                h = np.maximum(gate, 0) ** 2 * up
                h = rms_norm(h, t[p + "ffn_sub_norm.weight"], self.eps)
            else:
                h = gate / (1 + np.exp(-gate)) * up
            x = x + self.act(h) @ t[p + "ffn_down.weight"].T
        self.n_past += T
        x = rms_norm(x[-1], t["output_norm.weight"], self.eps)
        output = t.get("output.weight")
        if output is None:
            output = t["token_embd.weight"]
        if self.int8_head:
            if self.head is None:
                self.head = int8_per_row(output)
            output = self.head
        return output @ self.act(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--prompt-ids", required=True)
    parser.add_argument("-n", type=int, default=32)
    parser.add_argument("--int8-activations", action="store_true",
                        help="tern's default W1.58A8: every product's input "
                        "int8 per token (BitNet's scheme), and the LM head's "
                        "table int8 per row")
    parser.add_argument("--step1-logits", metavar="FILE",
                        help="write the first step's logits as float32")
    args = parser.parse_args()
    model = Llama(Gguf(args.model), args.int8_activations)
    ids = [int(i) for i in args.prompt_ids.split(",")]
    logits = model.forward(ids)
    if args.step1_logits:
        logits.astype("<f4").tofile(args.step1_logits)
    generated, steps = [], []
    for _ in range(args.n):
        top = np.argsort(-logits)[:10]
        steps.append(" ".join("%d:%.4f" % (i, logits[i]) for i in top))
        token = int(top[0])
        generated.append(token)
        logits = model.forward([token])
    print(" ".join(map(str, generated)))
    for step in steps:
        print(step)


if __name__ == "__main__":
    main()
