#!/usr/bin/python3
"""Writes ternary_mlp.onnx, the bundled example: a two-layer MLP whose
weights are QONNX 2-bit signed narrow-range Quant nodes, i.e. ternary
weights {-1, 0, +1} times a per-output-channel scale, as a BitNet-style
exporter (Brevitas) writes them. Deterministic (fixed seed)."""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(158)


def ternary_layer(name, rows, cols):
    trits = rng.choice([-1.0, 0.0, 1.0], size=(rows, cols), p=[0.3, 0.4, 0.3])
    scales = rng.uniform(0.02, 0.2, size=(rows, 1))
    weight = numpy_helper.from_array((trits * scales).astype(np.float32), name)
    scale = numpy_helper.from_array(scales.astype(np.float32), name + ".scale")
    bias = numpy_helper.from_array(
        rng.normal(0, 0.1, size=rows).astype(np.float32), name + ".bias")
    quant = helper.make_node(
        "Quant", [name, name + ".scale", "zero", "two_bits"], [name + ".q"],
        name=name + ".quant", domain="qonnx.custom_op.general",
        signed=1, narrow=1, rounding_mode="ROUND")
    return [weight, scale, bias], quant


inits = [numpy_helper.from_array(np.array(0, dtype=np.float32), "zero"),
         numpy_helper.from_array(np.array(2, dtype=np.float32), "two_bits")]
w1, q1 = ternary_layer("fc1", 128, 64)
w2, q2 = ternary_layer("fc2", 10, 128)
nodes = [
    q1, helper.make_node("Gemm", ["x", "fc1.q", "fc1.bias"], ["h"], name="fc1", transB=1),
    helper.make_node("Relu", ["h"], ["a"], name="relu"),
    q2, helper.make_node("Gemm", ["a", "fc2.q", "fc2.bias"], ["logits"], name="fc2", transB=1),
    helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=-1),
]
graph = helper.make_graph(
    nodes, "ternary_mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 10])],
    inits + w1 + w2)
model = helper.make_model(graph, opset_imports=[
    helper.make_opsetid("", 13), helper.make_opsetid("qonnx.custom_op.general", 1)])
model.producer_name = "tern examples/ternary_mlp/make_model.py"
onnx.save(model, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              "ternary_mlp.onnx"))
np.save(os.path.join(os.path.dirname(os.path.abspath(__file__)), "input.npy"),
        rng.standard_normal((1, 64)).astype(np.float32))
