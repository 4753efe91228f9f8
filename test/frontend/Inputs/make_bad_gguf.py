"""Writes malformed GGUF files into the given folder, one per error class.

A minimal writer (struct, little-endian) that can break each field.
"""
import os
import struct
import sys


def string(s):
    data = s.encode()
    return struct.pack("<Q", len(data)) + data


def kv_u32(key, value):
    return string(key) + struct.pack("<II", 4, value)


def tensor_info(name, ne, type_id, offset):
    return (string(name) + struct.pack("<I", len(ne)) +
            b"".join(struct.pack("<Q", n) for n in ne) +
            struct.pack("<IQ", type_id, offset))


def gguf(tensors, kvs=(), data=b"", version=3, magic=b"GGUF",
         counts=None):
    n_tensors, n_kv = counts or (len(tensors), len(kvs))
    head = magic + struct.pack("<IQQ", version, n_tensors, n_kv)
    body = head + b"".join(kvs) + b"".join(tensors)
    body += b"\0" * (-len(body) % 32)
    return body + data


def write_all(out):
    f32 = 0
    good_tensor = tensor_info("w", [8, 2], f32, 0)
    files = {
        "good.gguf": gguf([good_tensor], [kv_u32("llama.block_count", 1)],
                          data=b"\0" * 64),
        "bad_magic.gguf": gguf([], magic=b"GGML"),
        "bad_version.gguf": gguf([], version=7),
        "huge_counts.gguf": gguf([], counts=(1 << 60, 1 << 60)),
        "long_string.gguf": gguf([], [struct.pack("<Q", 1 << 40) + b"k"],
                                 counts=(0, 1)),
        "huge_array.gguf": gguf([], [string("a") + struct.pack(
            "<IIQ", 9, 4, 1 << 50)], counts=(0, 1)),
        "huge_string_array.gguf": gguf([], [string("a") + struct.pack(
            "<IIQ", 9, 8, 1 << 40) + string("x")], counts=(0, 1)),
        "bad_utf8_vocab.gguf": gguf([], [
            string("tokenizer.ggml.model") + struct.pack("<I", 8) +
            string("llama"),
            string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2) +
            string("ok") + struct.pack("<Q", 2) + b"\xc3\x28"]),
        "past_end.gguf": gguf([tensor_info("w", [1024, 1024], f32, 0)],
                              data=b"\0" * 64),
        "misaligned.gguf": gguf([tensor_info("w", [8], f32, 4)],
                                data=b"\0" * 64),
        "unknown_type.gguf": gguf([tensor_info("w", [8], 99, 0)],
                                  data=b"\0" * 64),
        "rank5.gguf": gguf([tensor_info("w", [1, 1, 1, 1, 1], f32, 0)],
                           data=b"\0" * 64),
        "overflow.gguf": gguf([tensor_info("w", [1 << 40, 1 << 40], f32, 0)],
                              data=b"\0" * 64),
        "duplicate.gguf": gguf([tensor_info("w", [8], f32, 0),
                                tensor_info("w", [8], f32, 32)],
                               data=b"\0" * 64),
        "partial_block.gguf": gguf([tensor_info("w", [100], 35, 0)],
                                   data=b"\0" * 256),
        "q4_0.gguf": gguf([tensor_info("w", [32], 2, 0)], data=b"\0" * 64),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "truncated.gguf"), "wb") as f:
        f.write(files["good.gguf"][:40])
    with open(os.path.join(out, "truncated_kv.gguf"), "wb") as f:
        f.write(gguf([], [kv_u32("llama.block_count", 1)])[:50])


if __name__ == "__main__":
    write_all(sys.argv[1])
