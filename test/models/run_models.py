#!/usr/bin/python3
"""Compiles the real models in ../shared/testdata/onnx-models with ternc and
checks their executables' outputs against an independent reference: the
stored output for qonnx-mnist-conv, numpy_reference.py for the others
(random inputs, fixed seed). Float outputs must match to rtol 1e-4 and
atol 1e-5.

Each model is also compiled with `--quantize` for every method (per tensor,
and absmean per channel) and checked against quantized_reference.py, the
same quantization written in numpy. Its op census (`--report=FILE`) must
show, in every quantized layer, no integer multiplies after multiply
elimination (ternary and binary methods) and exactly one float multiply per
output plus one per combined scale (see census_problem).

Usage: run_models.py --ternc build/bin/ternc --models DIR [--work DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy_reference  # noqa: E402


def graph_inputs(model):
    initializers = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in initializers]


def run_model(path, args, inputs=None, expected=None, quantize=None):
    """Compiles and runs one model, quantized with quantize=(method,
    granularity) when given; returns an error message or None."""
    model = onnx.load(path)
    name = os.path.splitext(os.path.basename(path))[0]
    out = os.path.join(args.work, name + ("-" + "-".join(quantize) if quantize else ""))
    shutil.rmtree(out, ignore_errors=True)
    command = [args.ternc, path, "-o", out, "--emit=exe", "--name", name]
    census = out + "-census.json"
    if quantize:
        command += ["--quantize=" + quantize[0],
                    "--weight-granularity=" + quantize[1],
                    "--report=" + census]
    feeds = {}
    rng = np.random.default_rng(1234)
    for index, info in enumerate(graph_inputs(model)):
        dims = [d.dim_value for d in info.type.tensor_type.shape.dim]
        # PyTorch exports here fix a batch of 789444; compile for batch 1.
        if dims and (dims[0] == 0 or dims[0] > 1024):
            dims[0] = 1
            command.append(f"--input-shape={index}:" + ",".join(map(str, dims)))
        feeds[info.name] = (inputs[index] if inputs is not None else
                            rng.standard_normal(dims).astype(np.float32))
    compiled = subprocess.run(command, capture_output=True, text=True)
    if compiled.returncode:
        return "ternc failed: " + compiled.stderr.strip()
    files = []
    for index, value in enumerate(feeds.values()):
        files.append(os.path.join(out, f"input_{index}.npy"))
        np.save(files[-1], value)
    ran = subprocess.run([os.path.join(out, name), "--out", out] + files,
                         capture_output=True, text=True)
    if ran.returncode:
        return "executable failed: " + ran.stderr.strip()
    products = []
    if expected is None:
        expected = numpy_reference.run(model, feeds, quantize=quantize,
                                       products=products)
    for k, want in enumerate(expected):
        got = np.load(os.path.join(out, f"output_{k}.npy"))
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4,
                                                      atol=1e-5):
            return (f"output {k} differs: shape {got.shape} vs {want.shape}, "
                    f"max abs error {np.max(np.abs(got - want)) if got.shape == want.shape else 'n/a'}")
    if quantize:
        return census_problem(census, products)
    return None


def census_problem(path, products):
    """Checks each quantized layer's multiplies in the census: none on
    integers when the method's products are multiply-free, and in float one
    per output (by its combined scale) plus the combining itself: one per
    row for a per-tensor weight scale (c[m] = xs[m] * ws), one per output
    when per-channel weight scales meet per-token activation scales."""
    with open(path) as f:
        layers = {entry["layer"]: entry for entry in json.load(f)["layers"]}
    if not products:
        return "no quantized layer was found in the model"
    for name, rows, outputs, granularity, multiply_free in products:
        layer = layers.get(name)
        if layer is None:
            return f"census lacks layer '{name}'"
        if multiply_free and layer["int_muls"]:
            return f"census: '{name}' keeps {layer['int_muls']} integer multiplies"
        combined = rows if granularity == "per_tensor" else outputs
        if layer["float_muls"] != outputs + combined:
            return (f"census: '{name}' has {layer['float_muls']} float multiplies, "
                    f"expected {outputs} outputs + {combined} combined scales")
    return None


QUANTIZATIONS = [(m, "per_tensor") for m in
                 ("absmean", "twn", "binary", "int2", "int4")] + [
                     ("absmean", "per_channel"), ("int4", "per_channel")]


def load_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ternc", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--work", default=None)
    parser.add_argument("--rotate-quantizations", action="store_true",
                        help="one quantization per model, in turn, so each "
                             "still runs (the sanitized suite's sample)")
    args = parser.parse_args()
    if not os.path.isdir(args.models):
        print(f"models not found at {args.models}; skipping")
        return 77
    args.work = args.work or tempfile.mkdtemp(prefix="tern-models-")
    failures = 0
    models = 0
    for entry in sorted(os.listdir(args.models)):
        path = os.path.join(args.models, entry)
        if entry.endswith(".onnx"):
            problem = run_model(path, args)
        elif os.path.isdir(path) and os.path.exists(os.path.join(path, "model.onnx")):
            data = os.path.join(path, "test_data_set_0")
            problem = run_model(os.path.join(path, "model.onnx"), args,
                                inputs=[load_pb(os.path.join(data, "input_0.pb"))],
                                expected=[load_pb(os.path.join(data, "output_0.pb"))])
            entry += "/model.onnx (stored output)"
        else:
            continue
        print(f"{'PASS' if problem is None else 'FAIL'} {entry}"
              + (f": {problem}" if problem else ""))
        failures += problem is not None
        if not entry.endswith(".onnx"):
            continue
        quantizations = QUANTIZATIONS
        if args.rotate_quantizations:
            quantizations = [QUANTIZATIONS[models % len(QUANTIZATIONS)]]
        models += 1
        for quantize in quantizations:
            problem = run_model(path, args, quantize=quantize)
            print(f"{'PASS' if problem is None else 'FAIL'} {entry} "
                  f"--quantize={quantize[0]} --weight-granularity={quantize[1]}"
                  + (f": {problem}" if problem else ""))
            failures += problem is not None
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
