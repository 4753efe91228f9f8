#!/usr/bin/python3
"""Float "master weight" copies of a BitNet safetensors folder, written by
numpy alone:

    master_weights.py PACKED_FOLDER NOISY_FOLDER EXPECTED_FOLDER

NOISY_FOLDER holds each linear weight as BF16 trit * s * m, m uniform in
[0.75, 1.25] per weight, with no weight_scale: what BitLinear quantizes at
run time. EXPECTED_FOLDER holds, as F32, what BitNet's absmean quantization
makes of it (numpy: s' = mean|W|, W' = clamp(round(W / s'), -1, 1) * s'),
so a compiler that quantizes the noisy copy as BitNet does gives the same
logits for both.
"""
import json
import os
import shutil
import struct
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = data[8 + n:]
    dtypes = {"F32": np.float32, "F16": np.float16, "U8": np.uint8}
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        out[name] = (entry["dtype"], np.frombuffer(
            body[begin:end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"]))
    return out


def write(path, tensors):
    header, offset, chunks = {}, 0, []
    for name, (dtype, raw, shape) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def bf16_bytes(x):
    bits = x.astype(np.float32).view(np.uint32)
    # round to nearest even, as torch's bfloat16 conversion does
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return bits.astype(np.uint16).tobytes()


def bf16_values(x):
    return np.frombuffer(bf16_bytes(x), dtype=np.uint16).astype(
        np.uint32).__lshift__(16).view(np.float32)


def main():
    src, noisy_dir, expected_dir = sys.argv[1:4]
    tensors = read(os.path.join(src, "model.safetensors"))
    rng = np.random.default_rng(11)
    noisy, expected = {}, {}
    for name, (dtype, value) in tensors.items():
        if name.endswith("weight_scale"):
            continue
        if dtype != "U8":
            noisy[name] = (dtype, value.tobytes(), value.shape)
            expected[name] = noisy[name]
            continue
        packed_rows, cols = value.shape
        trits = np.concatenate([((value >> (2 * q)) & 3).astype(np.int8) - 1
                                for q in range(4)])
        (inverse,) = tensors[name[:-6] + "weight_scale"][1].reshape(-1)
        s = np.float32(1) / inverse
        master = trits * s * rng.uniform(0.75, 1.25, trits.shape)
        master = bf16_values(master).reshape(trits.shape)
        noisy[name] = ("BF16", bf16_bytes(master), trits.shape)
        mean = np.float32(np.mean(np.abs(master.astype(np.float64))))
        q = np.clip(np.round(master / mean), -1, 1).astype(np.float32)
        expected[name] = ("F32", (q * mean).astype(np.float32).tobytes(),
                          trits.shape)
    for folder, content in ((noisy_dir, noisy), (expected_dir, expected)):
        os.makedirs(folder, exist_ok=True)
        for extra in ("config.json", "tokenizer.json"):
            shutil.copy(os.path.join(src, extra), folder)
        write(os.path.join(folder, "model.safetensors"), content)
    return 0


if __name__ == "__main__":
    sys.exit(main())
