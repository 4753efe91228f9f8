#!/usr/bin/python3
"""Accuracy harness: what each quantization method costs.

Trains a small float MLP (64-64-10, ReLU) on scikit-learn's built-in 8x8
digits (offline, deterministic), exports it to ONNX, compiles it with ternc
for every quantization method at per-tensor and per-channel weight
granularity, runs the executables on the held-out test set, and reports
test accuracy. Each configuration must reach its stated lower bound
(BOUNDS); the exit status is 1 otherwise.

Usage: digits_accuracy.py --ternc build/bin/ternc [--work DIR] [--markdown]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Lower bounds on test accuracy (%), a few points under what was measured,
# so they catch a broken method, not noise. int2 (symmetric absmax, values
# {-1, 0, 1} * max|W|) rounds most weights to 0: per tensor it collapses,
# which is what absmean's mean|W| scale avoids.
BOUNDS = {
    ("float", ""): 94,
    ("absmean", "per_tensor"): 85, ("absmean", "per_channel"): 85,
    ("twn", "per_tensor"): 85, ("twn", "per_channel"): 85,
    ("binary", "per_tensor"): 70, ("binary", "per_channel"): 70,
    ("int2", "per_tensor"): 5, ("int2", "per_channel"): 50,
    ("int4", "per_tensor"): 92, ("int4", "per_channel"): 92,
}


def train():
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=0.2, random_state=0, stratify=digits.target)
    mlp = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(x_train, y_train)
    return mlp, x_test, y_test


def export(mlp, path, batch):
    (w1, w2), (b1, b2) = mlp.coefs_, mlp.intercepts_
    inits = [numpy_helper.from_array(w1.astype(np.float32), "fc1.weight"),
             numpy_helper.from_array(b1.astype(np.float32), "fc1.bias"),
             numpy_helper.from_array(w2.astype(np.float32), "fc2.weight"),
             numpy_helper.from_array(b2.astype(np.float32), "fc2.bias")]
    nodes = [helper.make_node("MatMul", ["x", "fc1.weight"], ["h0"], name="fc1"),
             helper.make_node("Add", ["h0", "fc1.bias"], ["h1"], name="fc1.bias"),
             helper.make_node("Relu", ["h1"], ["h"], name="relu"),
             helper.make_node("MatMul", ["h", "fc2.weight"], ["o0"], name="fc2"),
             helper.make_node("Add", ["o0", "fc2.bias"], ["logits"], name="fc2.bias")]
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, 10])],
        inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              path)


def accuracy(args, model, x_test, y_test, method, granularity):
    out = os.path.join(args.work, f"{method}-{granularity or 'float'}")
    command = [args.ternc, model, "-o", out, "--emit=exe", "--name=digits"]
    if method != "float":
        command += ["--quantize=" + method, "--weight-granularity=" + granularity]
    subprocess.run(command, check=True)
    subprocess.run([os.path.join(out, "digits"), "--out", out,
                    os.path.join(args.work, "x_test.npy")], check=True)
    logits = np.load(os.path.join(out, "output_0.npy"))
    return 100.0 * np.mean(logits.argmax(axis=1) == y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--ternc", required=True)
    parser.add_argument("--work", default=None)
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown")
    args = parser.parse_args()
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is missing (apt install python3-sklearn); skipping")
        return 77
    args.work = args.work or tempfile.mkdtemp(prefix="tern-accuracy-")
    os.makedirs(args.work, exist_ok=True)
    mlp, x_test, y_test = train()
    model = os.path.join(args.work, "digits.onnx")
    export(mlp, model, len(x_test))
    np.save(os.path.join(args.work, "x_test.npy"), x_test)

    rows, failed = [], False
    for (method, granularity), bound in BOUNDS.items():
        acc = accuracy(args, model, x_test, y_test, method, granularity)
        ok = acc >= bound
        failed |= not ok
        rows.append((method, granularity or "-", acc, bound, ok))
    if args.markdown:
        print("| method | weight scales | test accuracy | lower bound |")
        print("|---|---|---:|---:|")
        for method, granularity, acc, bound, ok in rows:
            print(f"| {method} | {granularity} | {acc:.1f}% | {bound}% |")
    else:
        print(f"digits MLP 64-64-10, {len(y_test)} test images")
        for method, granularity, acc, bound, ok in rows:
            print(f"{'PASS' if ok else 'FAIL'} {method:8s} {granularity:12s} "
                  f"{acc:6.2f}% (bound {bound}%)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
