"""Checks tern-gguf's decoding of llama.cpp-written GGUF files.

Usage: check_gguf_decode.py TERN_GGUF DATA_DIR WORK_DIR

llama-quantize made tiny-tq2_0.gguf and tiny-tq1_0.gguf from tiny-f16.gguf,
and its dequantized TQ weights equal the F16 weights exactly (see
DATA_DIR/README.md). So every TQ2_0/TQ1_0 tensor tern decodes must equal the
F16 tensor bit for bit, and the Q4_K/Q6_K embedding and output tables must
be close to it. The F16 reference is read here with numpy at the offsets
llama.cpp's listing (tiny-f16.tensors.txt) gives, independently of tern.
"""
import os
import subprocess
import sys

import numpy as np

# Q4_K and Q6_K store these tables almost exactly (README): a misread scale,
# min or nibble order errs by the size of the weights (about 0.5).
TOLERANCE = {"Q6_K": 1e-3, "Q4_K": 1e-2, "TQ2_0": 0.0, "TQ1_0": 0.0}


def listing(path):
    tensors = {}
    for line in open(path):
        if line.startswith("#"):
            continue
        _, name, kind, _, count, _, offset = line.split()
        tensors[name] = (kind, int(count), int(offset))
    return tensors


def main():
    tern_gguf, data, work = sys.argv[1:4]
    f16 = listing(os.path.join(data, "tiny-f16.tensors.txt"))
    checked = 0
    for quant in ("tq2_0", "tq1_0"):
        gguf = os.path.join(data, "tiny-%s.gguf" % quant)
        for name, (kind, count, _) in listing(
                os.path.join(data, "tiny-%s.tensors.txt" % quant)).items():
            if kind not in TOLERANCE:
                continue
            out = os.path.join(work, "%s.%s.f32" % (quant, name))
            subprocess.run([tern_gguf, gguf, "--dequantize=" + name, "-o", out],
                           check=True)
            got = np.fromfile(out, dtype="<f4")
            _, ref_count, ref_offset = f16[name]
            ref = np.fromfile(os.path.join(data, "tiny-f16.gguf"), dtype="<f2",
                              count=ref_count, offset=ref_offset)
            ref = ref.astype(np.float32)
            if got.shape != ref.shape:
                sys.exit("FAIL %s %s: %s elements, want %s" %
                         (quant, name, got.shape, ref.shape))
            err = float(np.abs(got - ref).max())
            if err > TOLERANCE[kind]:
                sys.exit("FAIL %s %s (%s): max error %g > %g" %
                         (quant, name, kind, err, TOLERANCE[kind]))
            checked += 1
    print("ok: %d tensors match the F16 file" % checked)


if __name__ == "__main__":
    main()
