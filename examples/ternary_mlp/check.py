#!/usr/bin/python3
"""Compares the compiled example's output with the numpy reference and
prints both. argv: model.onnx input.npy output_0.npy"""
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "test", "models"))
import numpy_reference  # noqa: E402

model_path, input_path, output_path = sys.argv[1:4]
model = onnx.load(model_path)
x = np.load(input_path)
want = numpy_reference.run(model, {"x": x})[0]
got = np.load(output_path)
np.set_printoptions(precision=4, suppress=True)
print("ternc executable:", got.ravel())
print("numpy reference: ", want.ravel())
error = float(np.max(np.abs(got - want)))
print(f"max abs difference {error:.2e}; predicted class {int(got.argmax())}")
sys.exit(0 if np.allclose(got, want, rtol=1e-4, atol=1e-6) else 1)
