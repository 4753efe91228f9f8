#!/usr/bin/python3
"""Compiles ONNX's backend node tests with ternc and checks their outputs.

For every case of the ops tern supports (see OPS), the model is compiled to
an executable with `ternc --emit=exe`, run on each test_data_set_N, and its
outputs compared with ONNX's output_K.pb: floats with rtol 1e-3 (atol 1e-6),
integers and bools exactly, shapes and types always exactly.

A case ends as pass, fail, or unsupported. A case is unsupported when its
tensors use a data type outside tern's target set; unsupported cases are
listed, never dropped. Every other case must compile and match, so a
refusal by ternc is a failure. The exit status is 1 if any case fails.

Shapes are static in tern, so inputs that ONNX treats as shape arguments
(Reshape's shape, Slice's starts...) are fixed at compile time with
--bind-input; the executable takes the remaining inputs.

Usage: run_node_tests.py --ternc build/bin/ternc --node-dir DIR
                         [--work DIR] [--jobs N] [--report FILE] [--filter RE]
                         [--target NAME] [--per-op N]
"""
import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

# The ops issue #3 lists; their node tests must all pass.
OPS = """MatMul Gemm Add Sub Mul Div Relu Sigmoid Tanh Erf Sqrt Pow Clip Sign
Round Softmax LayerNormalization ReduceMean ReduceSum BatchNormalization
Reshape Transpose Flatten Squeeze Unsqueeze Concat Slice Gather Where Expand
Cast Identity Constant Conv MaxPool AveragePool GlobalAveragePool
QuantizeLinear DequantizeLinear DynamicQuantizeLinear MatMulInteger
QLinearMatMul""".split()

# Element types in tern's target set.
TYPES = {onnx.TensorProto.FLOAT, onnx.TensorProto.INT8, onnx.TensorProto.UINT8,
         onnx.TensorProto.INT32, onnx.TensorProto.INT64, onnx.TensorProto.BOOL}

# Inputs that are shape arguments, by op: bound at compile time.
SHAPE_INPUTS = {
    "Reshape": [1], "Expand": [1], "Squeeze": [1], "Unsqueeze": [1],
    "Slice": [1, 2, 3, 4], "ReduceSum": [1], "ReduceMean": [1],
}


def load_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def graph_types(model):
    types = set()
    for value in list(model.graph.input) + list(model.graph.output):
        if value.type.HasField("tensor_type"):
            types.add(value.type.tensor_type.elem_type)
        else:
            types.add(-1)  # sequences, optionals...
    return types


def op_under_test(case, model, node_dir):
    """The op a case tests: its single node's op, or for an _expanded case
    the op of the case it expands."""
    if case.endswith("_expanded"):
        base = os.path.join(node_dir, case[: -len("_expanded")], "model.onnx")
        if os.path.exists(base):
            model = onnx.load(base)
    ops = [n.op_type for n in model.graph.node]
    return ops[0] if len(set(ops)) == 1 else None


def compare(expected, actual):
    if expected.shape != actual.shape:
        return f"shape {actual.shape}, expected {expected.shape}"
    if expected.dtype != actual.dtype:
        return f"dtype {actual.dtype}, expected {expected.dtype}"
    if np.issubdtype(expected.dtype, np.floating):
        if not np.allclose(actual, expected, rtol=1e-3, atol=1e-6,
                           equal_nan=True):
            bad = np.abs(actual - expected)
            return f"max abs error {np.nanmax(bad):.3g}"
    elif not np.array_equal(actual, expected):
        return f"{int(np.sum(actual != expected))} elements differ"
    return None


def run_case(case, args):
    """Returns (status, detail): status is pass, fail or unsupported."""
    case_dir = os.path.join(args.node_dir, case)
    model = onnx.load(os.path.join(case_dir, "model.onnx"))
    bad_types = graph_types(model) - TYPES
    if bad_types:
        names = sorted(onnx.TensorProto.DataType.Name(t) if t >= 0
                       else "non-tensor" for t in bad_types)
        return "unsupported", "types " + ",".join(names)

    inputs = [i.name for i in model.graph.input
              if i.name not in {t.name for t in model.graph.initializer}]
    bound = set()
    for node in model.graph.node:
        for index in SHAPE_INPUTS.get(node.op_type, []):
            if index < len(node.input) and node.input[index] in inputs:
                bound.add(node.input[index])
    data_sets = sorted(d for d in os.listdir(case_dir)
                       if d.startswith("test_data_set_"))
    out = os.path.join(args.work, case)
    shutil.rmtree(out, ignore_errors=True)
    command = [args.ternc, os.path.join(case_dir, "model.onnx"), "-o", out,
               "--emit=exe"]
    if args.target:
        command.append("--target=" + args.target)
    if data_sets:
        for i, name in enumerate(inputs):
            if name in bound:
                command.append(f"--bind-input={name}=" + os.path.join(
                    case_dir, data_sets[0], f"input_{i}.pb"))
    compiled = subprocess.run(command, capture_output=True, text=True)
    if compiled.returncode != 0:
        message = compiled.stderr.strip().splitlines()
        message = message[0] if message else f"exit {compiled.returncode}"
        # Every case of the listed ops with types in TYPES must compile: a
        # refusal here is a failure, not "unsupported".
        return "fail", message.split("error: ", 1)[-1]

    for data_set in data_sets:
        set_dir = os.path.join(case_dir, data_set)
        files = [os.path.join(set_dir, f"input_{i}.pb")
                 for i, name in enumerate(inputs) if name not in bound]
        result_dir = os.path.join(out, data_set)
        os.makedirs(result_dir, exist_ok=True)
        ran = subprocess.run([os.path.join(out, "model"), "--out", result_dir]
                             + files, capture_output=True, text=True)
        if ran.returncode != 0:
            return "fail", f"{data_set}: exit {ran.returncode}: " + \
                ran.stderr.strip()[:200]
        k = 0
        while os.path.exists(os.path.join(set_dir, f"output_{k}.pb")):
            expected = load_tensor(os.path.join(set_dir, f"output_{k}.pb"))
            actual_path = os.path.join(result_dir, f"output_{k}.pb")
            if not os.path.exists(actual_path):
                return "fail", f"{data_set}: no output_{k}.pb"
            problem = compare(expected, load_tensor(actual_path))
            if problem:
                return "fail", f"{data_set} output {k}: {problem}"
            k += 1
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return "pass", ""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--ternc", required=True)
    parser.add_argument("--node-dir", required=True)
    parser.add_argument("--work", default=None)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--report", default=None,
                        help="write the per-op table as Markdown here")
    parser.add_argument("--filter", default=None, help="regex on case names")
    parser.add_argument("--target", default=None,
                        help="ternc's --target (default: ternc's default)")
    parser.add_argument("--per-op", type=int, default=None,
                        help="at most N cases per op (the first by name)")
    parser.add_argument("--keep", action="store_true",
                        help="keep compiled cases in --work")
    args = parser.parse_args()
    if not os.path.isdir(args.node_dir):
        print(f"node tests not found at {args.node_dir}; skipping")
        return 77
    args.work = args.work or tempfile.mkdtemp(prefix="tern-node-tests-")

    cases = []
    for case in sorted(os.listdir(args.node_dir)):
        if args.filter and not re.search(args.filter, case):
            continue
        model = onnx.load(os.path.join(args.node_dir, case, "model.onnx"))
        op = op_under_test(case, model, args.node_dir)
        if op in OPS:
            cases.append((op, case))
    if args.per_op:
        taken = collections.Counter()
        sampled = []
        for op, case in cases:
            taken[op] += 1
            if taken[op] <= args.per_op:
                sampled.append((op, case))
        cases = sampled

    start = time.time()
    results = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(run_case, case, args): (op, case)
                   for op, case in cases}
        for future in concurrent.futures.as_completed(futures):
            op, case = futures[future]
            try:
                results[case] = (op,) + future.result()
            except Exception as error:  # a harness bug is a failure too
                results[case] = (op, "fail", f"harness: {error!r}")
    elapsed = time.time() - start

    per_op = collections.defaultdict(collections.Counter)
    for op, status, _ in results.values():
        per_op[op][status] += 1
    lines = ["| op | pass | fail | unsupported |", "|---|---:|---:|---:|"]
    for op in OPS:
        c = per_op.get(op, collections.Counter())
        lines.append(f"| {op} | {c['pass']} | {c['fail']} | {c['unsupported']} |")
    totals = collections.Counter(s for _, s, _ in results.values())
    lines.append(f"| **total** | {totals['pass']} | {totals['fail']} | "
                 f"{totals['unsupported']} |")
    detail = []
    for case in sorted(results):
        op, status, message = results[case]
        if status != "pass":
            detail.append(f"- `{case}` ({op}): {status}: {message}")
    table = "\n".join(lines)
    print(table)
    print()
    print("\n".join(detail))
    print(f"\n{len(results)} cases in {elapsed:.1f} s with {args.jobs} jobs")
    if args.report:
        with open(args.report, "w") as f:
            f.write(table + "\n\nCases not passing:\n\n" + "\n".join(detail)
                    + "\n")
    return 1 if totals["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
