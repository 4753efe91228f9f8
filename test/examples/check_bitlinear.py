"""Checks bitlinear.mlir's printed output against numpy.

Usage: check_bitlinear.py EXAMPLE.mlir RUNNER_OUTPUT

Reads the weight and activation constants from the example, recomputes
BitNet b1.58's W1.58A8 linear layer (absmean ternary weights, per-token int8
absmax activations) and the float layer, and compares them with the two
matrices mlir-runner printed. Exits non-zero on any mismatch.
"""
import re
import sys

import numpy as np


def constant(source, comment):
    match = re.search(r"// %s\n\s*%%\w+ = arith.constant dense<(.*?)> :" % comment, source)
    if not match:
        sys.exit("check_bitlinear: no constant after '// %s'" % comment)
    return np.array(eval(match.group(1)), dtype=np.float32)


def printed_matrices(output):
    blocks = re.findall(r"data = \n(\[\[.*?\]\])", output, re.S)
    return [np.array(eval(block), dtype=np.float32) for block in blocks]


def round_half_even(a):
    return np.round(a)  # numpy rounds half to even


def bitlinear(x, w):
    scale_w = np.float32(max(np.mean(np.abs(w), dtype=np.float64), 1e-5))
    w_t = np.clip(round_half_even(w / scale_w), -1, 1)
    scale_x = np.maximum(np.max(np.abs(x), axis=1), np.float32(1e-5)) / np.float32(127)
    x_q = np.clip(round_half_even(x / scale_x[:, None]), -128, 127)
    acc = x_q.astype(np.int64) @ w_t.astype(np.int64).T  # exact integer sums
    return (acc.astype(np.float32) * scale_w) * scale_x[:, None]


def main():
    source = open(sys.argv[1]).read()
    output = open(sys.argv[2]).read()
    w = constant(source, "weights")
    x = constant(source, "activations")
    got = printed_matrices(output)
    if len(got) != 2:
        sys.exit("check_bitlinear: expected 2 printed matrices, got %d" % len(got))
    expected = [bitlinear(x, w), x @ w.T]
    for name, g, e in zip(["ternary", "float"], got, expected):
        if g.shape != e.shape or not np.allclose(g, e, rtol=1e-5, atol=1e-5):
            sys.exit("check_bitlinear: %s layer differs from numpy:\n%s\nvs\n%s" % (name, g, e))
    rel = np.linalg.norm(got[0] - got[1]) / np.linalg.norm(got[1])
    print("bitlinear: W1.58A8 and float layers match numpy; "
          "ternary vs float relative error %.3f" % rel)


if __name__ == "__main__":
    main()
