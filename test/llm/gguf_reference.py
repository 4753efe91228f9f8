"""An independent numpy reference for llama-architecture GGUF models.

Reads a GGUF file with its own parser (struct + numpy, nothing shared with
tern's C++ reader), runs the model in float64 and decodes greedily. Used to
check tern's LLM path, and checked itself against llama.cpp's outputs
(../shared/testdata/gguf-llamacpp).

    gguf_reference.py MODEL.gguf --prompt-ids 1,9038,2501 -n 32
prints the greedy ids on one line, then one line per step with the top-10
logits as id:logit.
"""
import argparse
import struct

import numpy as np

VALUE_FORMATS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i",
                 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
GGML_F32, GGML_F16 = 0, 1


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
            dtype = {GGML_F32: "<f4", GGML_F16: "<f2"}.get(kind)
            if dtype is None:
                self.tensors[name] = None  # this reference reads F32/F16 only
                continue
            array = np.frombuffer(self.data, dtype=dtype, count=count,
                                  offset=base + offset)
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


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x, positions, n_rot, base):
    """llama.cpp's LLAMA_ROPE_TYPE_NORM: adjacent pairs (2i, 2i+1)."""
    out = x.copy()
    i = np.arange(n_rot // 2)
    theta = positions[:, None] * base ** (-2.0 * i / n_rot)  # [T, n_rot/2]
    cos, sin = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
    x0, x1 = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
    out[..., 0:n_rot:2] = x0 * cos - x1 * sin
    out[..., 1:n_rot:2] = x0 * sin + x1 * cos
    return out


class Llama:
    def __init__(self, gguf):
        m, arch = gguf.meta, gguf.meta["general.architecture"]
        self.t = gguf.tensors
        self.n_layer = m[arch + ".block_count"]
        self.n_head = m[arch + ".attention.head_count"]
        self.n_kv = m.get(arch + ".attention.head_count_kv", self.n_head)
        self.eps = m[arch + ".attention.layer_norm_rms_epsilon"]
        self.base = m.get(arch + ".rope.freq_base", 10000.0)
        n_embd = m[arch + ".embedding_length"]
        self.head_dim = n_embd // self.n_head
        self.n_rot = m.get(arch + ".rope.dimension_count", self.head_dim)
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
            q = (h @ t[p + "attn_q.weight"].T).reshape(T, self.n_head, -1)
            k = (h @ t[p + "attn_k.weight"].T).reshape(T, self.n_kv, -1)
            v = (h @ t[p + "attn_v.weight"].T).reshape(T, self.n_kv, -1)
            q = rope(q, positions, self.n_rot, self.base)
            k = rope(k, positions, self.n_rot, self.base)
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
            x = x + out.reshape(T, -1) @ t[p + "attn_output.weight"].T
            h = rms_norm(x, t[p + "ffn_norm.weight"], self.eps)
            gate = h @ t[p + "ffn_gate.weight"].T
            up = h @ t[p + "ffn_up.weight"].T
            x = x + (gate / (1 + np.exp(-gate)) * up) @ t[p + "ffn_down.weight"].T
        self.n_past += T
        x = rms_norm(x[-1], t["output_norm.weight"], self.eps)
        output = t.get("output.weight")
        if output is None:
            output = t["token_embd.weight"]
        return output @ x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--prompt-ids", required=True)
    parser.add_argument("-n", type=int, default=32)
    args = parser.parse_args()
    model = Llama(Gguf(args.model))
    ids = [int(i) for i in args.prompt_ids.split(",")]
    logits = model.forward(ids)
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
