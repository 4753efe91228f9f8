#!/usr/bin/python3
"""Compares a ternc executable's output with the numpy reference
(test/models/numpy_reference.py), optionally quantized the way
`ternc --quantize=METHOD --weight-granularity=G` does.

Usage: check_reference.py MODEL INPUT.npy OUTPUT.npy [METHOD GRANULARITY]
Prints 'match' or the largest difference; exits non-zero on a mismatch."""
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "models"))
import numpy_reference  # noqa: E402


def main():
    model = onnx.load(sys.argv[1])
    x = np.load(sys.argv[2])
    got = np.load(sys.argv[3])
    quantize = tuple(sys.argv[4:6]) or None
    initializers = {i.name for i in model.graph.initializer}
    name = next(i.name for i in model.graph.input if i.name not in initializers)
    want = numpy_reference.run(model, {name: x}, quantize=quantize)[0]
    if got.shape == want.shape and np.allclose(got, want, rtol=1e-4, atol=1e-5):
        print("match")
        return 0
    print("mismatch: shape", got.shape, "vs", want.shape, "max abs error",
          np.max(np.abs(got - want)) if got.shape == want.shape else "n/a")
    return 1


if __name__ == "__main__":
    sys.exit(main())
