"""Writes small ONNX models (good and bad) for ternc's lit tests into the
folder given as argv[1]."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, nodes, inputs, outputs, inits=(), opset=13, domains=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    imports = [helper.make_opsetid("", opset)] + [
        helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=imports)
    onnx.save(model, os.path.join(out, name + ".onnx"))
    return model


def tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


# A valid model: y = relu(x @ w + b).
w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, "w")
b = numpy_helper.from_array(np.ones(4, dtype=np.float32), "b")
good = save("mlp", [helper.make_node("MatMul", ["x", "w"], ["h"], name="matmul"),
                    helper.make_node("Add", ["h", "b"], ["s"], name="bias"),
                    helper.make_node("Relu", ["s"], ["y"], name="relu")],
            [tensor("x", [2, 3])], [tensor("y", [2, 4])], [w, b])

# A wider product for group scales: y = x[3, 12] @ w2[12, 5], K = 12.
rng = np.random.default_rng(7)
w2 = numpy_helper.from_array(rng.standard_normal((12, 5)).astype(np.float32), "w2")
save("wide", [helper.make_node("MatMul", ["x", "w2"], ["y"], name="matmul")],
     [tensor("x", [3, 12])], [tensor("y", [3, 5])], [w2])
np.save(os.path.join(out, "x_wide.npy"), rng.standard_normal((3, 12)).astype(np.float32))
# A batch of 20 tokens (>= 16: the prefill kernels) with ragged K and N.
save("batch", [helper.make_node("MatMul", ["x", "w3"], ["y"], name="matmul")],
     [tensor("x", [20, 300])], [tensor("y", [20, 70])],
     [numpy_helper.from_array(rng.standard_normal((300, 70)).astype(np.float32), "w3")])
np.save(os.path.join(out, "x_batch.npy"), rng.standard_normal((20, 300)).astype(np.float32))

# Element-wise work big enough for the thread pool (swish), a reduction
# across rows (its outer loop must stay serial or be split by columns only)
# and a small add below the pool's threshold.
save("swish", [helper.make_node("Sigmoid", ["x"], ["s"], name="sigmoid"),
               helper.make_node("Mul", ["x", "s"], ["y"], name="swish")],
     [tensor("x", [64, 1024])], [tensor("y", [64, 1024])])
np.save(os.path.join(out, "x_swish.npy"),
        (4 * rng.standard_normal((64, 1024))).astype(np.float32))
save("column_max", [helper.make_node("ReduceMax", ["x"], ["y"], name="max",
                                     axes=[0], keepdims=0)],
     [tensor("x", [512, 256])], [tensor("y", [256])])
np.save(os.path.join(out, "x_column_max.npy"),
        rng.standard_normal((512, 256)).astype(np.float32))
save("small_add", [helper.make_node("Add", ["x", "x"], ["y"], name="add")],
     [tensor("x", [16, 64])], [tensor("y", [16, 64])])

# Truncated and non-ONNX files.
data = good.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "garbage.onnx"), "wb") as f:
    f.write(b"\xff\xff\xff\xff this is not a protobuf")

save("unsupported_op", [helper.make_node("Einsum", ["x", "x"], ["y"],
                                         name="mix", equation="ij,ij->ij")],
     [tensor("x", [2, 2])], [tensor("y", [2, 2])], opset=12)
save("future_opset", [helper.make_node("Relu", ["x"], ["y"], name="r")],
     [tensor("x", [2])], [tensor("y", [2])], opset=24)
save("shape_mismatch", [helper.make_node("Add", ["x", "z"], ["y"], name="add")],
     [tensor("x", [2, 3]), tensor("z", [4])], [tensor("y", [2, 3])])
save("float16_input", [helper.make_node("Relu", ["x"], ["y"], name="r")],
     [tensor("x", [2], TensorProto.FLOAT16)], [tensor("y", [2], TensorProto.FLOAT16)])
save("dynamic_batch", [helper.make_node("Relu", ["x"], ["y"], name="r")],
     [tensor("x", ["N", 3])], [tensor("y", ["N", 3])])
save("undefined_input", [helper.make_node("Relu", ["nowhere"], ["y"], name="r")],
     [tensor("x", [2])], [tensor("y", [2])])
# Graph structure: a cycle, nodes out of topological order, one tensor
# produced twice, and an Add of float and int64.
save("cycle", [helper.make_node("Relu", ["b"], ["a"], name="first"),
               helper.make_node("Neg", ["a"], ["b"], name="second"),
               helper.make_node("Add", ["x", "a"], ["y"], name="out")],
     [tensor("x", [2])], [tensor("y", [2])])
save("out_of_order", [helper.make_node("Neg", ["a"], ["y"], name="late"),
                      helper.make_node("Relu", ["x"], ["a"], name="early")],
     [tensor("x", [2])], [tensor("y", [2])])
save("twice_produced", [helper.make_node("Relu", ["x"], ["a"], name="one"),
                        helper.make_node("Neg", ["x"], ["a"], name="two"),
                        helper.make_node("Abs", ["a"], ["y"], name="out")],
     [tensor("x", [2])], [tensor("y", [2])])
save("type_mismatch", [helper.make_node("Add", ["x", "n"], ["y"], name="add")],
     [tensor("x", [2]), tensor("n", [2], TensorProto.INT64)],
     [tensor("y", [2])])
# A 4 TiB constant from an 16-byte shape: refused before it is made.
save("huge_constant", [helper.make_node("ConstantOfShape", ["shape"], ["c"],
                                        name="fill"),
                       helper.make_node("Add", ["x", "c"], ["y"], name="add")],
     [tensor("x", [1])], [tensor("y", [1 << 20, 1 << 20])],
     [numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")])
save("runtime_shape", [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
     [tensor("x", [2, 3]), tensor("shape", [2], TensorProto.INT64)],
     [tensor("y", [3, 2])])

# Overflowing dims on an initializer.
huge = onnx.TensorProto()
huge.name, huge.data_type = "big", TensorProto.FLOAT
huge.dims.extend([1 << 40, 1 << 40])
huge.raw_data = b""
save("overflow", [helper.make_node("Add", ["x", "big"], ["y"], name="add")],
     [tensor("x", [1])], [tensor("y", [1])], [huge])


def external(name, location, length=None):
    t = onnx.TensorProto()
    t.name, t.data_type = "w", TensorProto.FLOAT
    t.dims.extend([3, 4])
    t.data_location = TensorProto.EXTERNAL
    entry = t.external_data.add()
    entry.key, entry.value = "location", location
    if length is not None:
        entry = t.external_data.add()
        entry.key, entry.value = "length", str(length)
    save(name, [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul")],
         [tensor("x", [2, 3])], [tensor("y", [2, 4])], [t])


weights = np.arange(12, dtype=np.float32) / 10
weights.tofile(os.path.join(out, "weights.bin"))
weights[:5].tofile(os.path.join(out, "short.bin"))
external("external_ok", "weights.bin")
external("external_absolute", "/etc/passwd")
external("external_dotdot", "../outside.bin")
external("external_missing", "missing.bin")
external("external_truncated", "short.bin")
os.makedirs(os.path.join(out, "..", "elsewhere"), exist_ok=True)
weights.tofile(os.path.join(out, "..", "elsewhere", "w.bin"))
link = os.path.join(out, "escape.bin")
if not os.path.lexists(link):
    os.symlink(os.path.join("..", "elsewhere", "w.bin"), link)
external("external_symlink", "escape.bin")

# Inputs for the compiled mlp: a good one, a wrongly shaped one, garbage.
np.save(os.path.join(out, "x.npy"), np.arange(6, dtype=np.float32).reshape(2, 3))
np.save(os.path.join(out, "x_wrong.npy"), np.zeros((3, 2), dtype=np.float32))
with open(os.path.join(out, "x_garbage.pb"), "wb") as f:
    f.write(b"\x0a\xff\xff")

# A shape computed from the input's shape: folded at import time.
save("shape_chain", [
    helper.make_node("Shape", ["x"], ["s"], name="shape"),
    helper.make_node("Slice", ["s", "zero", "one"], ["batch"], name="slice"),
    helper.make_node("Concat", ["batch", "minus_one"], ["target"], name="concat", axis=0),
    helper.make_node("Reshape", ["x", "target"], ["y"], name="reshape")],
    [tensor("x", [2, 3, 4])], [tensor("y", [2, 12])],
    [numpy_helper.from_array(np.array([0], dtype=np.int64), "zero"),
     numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
     numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus_one")])

# QONNX weights: BipolarQuant on a constant [4, 3] weight (binary), and a
# 2-bit signed narrow Quant on a constant [4, 3] weight (ternary), each with
# a per-output-channel scale, feeding Gemm(transB=1).
qonnx = "qonnx.custom_op.general"
signs = np.array([[1, -1, 1], [-1, -1, 1], [1, 1, 1], [-1, 1, -1]], np.float32)
trits = np.array([[1, 0, -1], [0, 0, 1], [-1, 1, 0], [1, 1, 1]], np.float32)
scale = np.array([[0.5], [2.0], [1.0], [0.25]], np.float32)
save("qonnx_weights", [
    helper.make_node("BipolarQuant", ["wb", "scale"], ["wbq"], name="binary", domain=qonnx),
    helper.make_node("Gemm", ["x", "wbq"], ["yb"], name="gemm_binary", transB=1),
    helper.make_node("Quant", ["wt", "scale", "zero", "bits"], ["wtq"], name="ternary",
                     domain=qonnx, signed=1, narrow=1, rounding_mode="ROUND"),
    helper.make_node("Gemm", ["x", "wtq"], ["yt"], name="gemm_ternary", transB=1)],
    [tensor("x", [1, 3])], [tensor("yb", [1, 4]), tensor("yt", [1, 4])],
    [numpy_helper.from_array(signs * 0.3, "wb"),
     numpy_helper.from_array(trits * scale, "wt"),
     numpy_helper.from_array(scale, "scale"),
     numpy_helper.from_array(np.array(0, np.float32), "zero"),
     numpy_helper.from_array(np.array(2, np.float32), "bits")],
    domains=[qonnx])
np.save(os.path.join(out, "x13.npy"), np.array([[1, 2, 3]], np.float32))

# Wrong arity: Add with one input; Gemm with its required B left empty.
save("arity", [helper.make_node("Add", ["x"], ["y"], name="add1")],
     [tensor("x", [2])], [tensor("y", [2])])
save("missing_input", [helper.make_node("Gemm", ["x", ""], ["y"], name="gemm")],
     [tensor("x", [2, 2])], [tensor("y", [2, 2])])
save("qonnx_arity", [helper.make_node("Quant", ["x", "x"], ["y"], name="q",
                                      domain="qonnx.custom_op.general")],
     [tensor("x", [2])], [tensor("y", [2])], domains=["qonnx.custom_op.general"])

# Float indices for Gather: a type error naming the node.
save("gather_float_indices", [helper.make_node("Gather", ["x", "i"], ["y"], name="gather")],
     [tensor("x", [3]), tensor("i", [2])], [tensor("y", [2])])

# The same ternary layer twice: as a QONNX Quant of a float weight, and as
# the plain float weight (trits * per-row scale) for --quantize=exact.
for name, quantized in (("ternary_qonnx", True), ("ternary_float", False)):
    nodes = [helper.make_node("Gemm", ["x", "wq" if quantized else "w"], ["y"],
                              name="fc", transB=1)]
    if quantized:
        nodes.insert(0, helper.make_node(
            "Quant", ["w", "scale", "zero", "bits"], ["wq"], name="wquant",
            domain=qonnx, signed=1, narrow=1, rounding_mode="ROUND"))
    save(name, nodes, [tensor("x", [1, 3])], [tensor("y", [1, 4])],
         [numpy_helper.from_array(trits * scale, "w"),
          numpy_helper.from_array(scale, "scale"),
          numpy_helper.from_array(np.array(0, np.float32), "zero"),
          numpy_helper.from_array(np.array(2, np.float32), "bits")],
         domains=[qonnx])
