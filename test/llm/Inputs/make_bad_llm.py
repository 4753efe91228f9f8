"""Writes GGUF files that are valid GGUF but not compilable LLMs, one per
refusal the LLM path makes, into the given folder."""
import os
import struct
import sys


def string(s):
    data = s.encode()
    return struct.pack("<Q", len(data)) + data


def kv_u32(key, value):
    return string(key) + struct.pack("<II", 4, value)


def kv_str(key, value):
    return string(key) + struct.pack("<I", 8) + string(value)


def kv_strings(key, values):
    return (string(key) + struct.pack("<IIQ", 9, 8, len(values)) +
            b"".join(string(v) for v in values))


def gguf(kvs, tensors):
    """tensors: (name, ne) of f32 zeros, laid out back to back."""
    infos, data = b"", b""
    for name, ne in tensors:
        count = 1
        for n in ne:
            count *= n
        infos += (string(name) + struct.pack("<I", len(ne)) +
                  b"".join(struct.pack("<Q", n) for n in ne) +
                  struct.pack("<IQ", 0, len(data)))
        data += b"\0" * (count * 4)
        data += b"\0" * (-len(data) % 32)
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    body = head + b"".join(kvs) + infos
    return body + b"\0" * (-len(body) % 32) + data


def llama(arch="llama", tokenizer=True):
    kvs = [kv_str("general.architecture", arch)]
    for key, value in [("block_count", 1), ("embedding_length", 8),
                       ("feed_forward_length", 16),
                       ("attention.head_count", 2), ("context_length", 16)]:
        kvs.append(kv_u32(arch + "." + key, value))
    if tokenizer:
        kvs += [kv_str("tokenizer.ggml.model", "llama"),
                kv_strings("tokenizer.ggml.tokens",
                           ["<unk>", "<s>", "</s>"] + ["t%d" % i
                                                       for i in range(7)])]
    return kvs


def main():
    out = sys.argv[1]
    embd = ("token_embd.weight", [8, 10])
    files = {
        "mamba.gguf": gguf(llama("mamba"), [embd]),
        "no_tokenizer.gguf": gguf(llama(tokenizer=False), [embd]),
        "missing_tensor.gguf": gguf(llama(), [embd]),
        "wrong_shape.gguf": gguf(llama(), [embd, ("output_norm.weight", [8]),
                                           ("blk.0.attn_norm.weight", [4])]),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
