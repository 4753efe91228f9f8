//===- Kernels.cpp - ternary tern.linear ops as calls to CPU kernels ------===//
#include "codegen/cpu/Kernels.h"

#include "codegen/common/Passes.h"
#include "codegen/common/TernaryLinear.h"
#include "dialect/LowBit.h"
#include "passes/Passes.h"
#include "passes/multiply/MultiplyFree.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

#include "tern/cpu/linear.h"

using namespace mlir;
using namespace mlir::tern;

namespace {
constexpr int kRowsPerTile = 4;
const char *kAvx512Features = "avx512f,avx512bw,avx512vl,avx512vnni";

cpu::CpuVariant avx512(bool vbmi) {
  cpu::CpuVariant v{"Avx512", vbmi, kAvx512Features,
                    "AVX-512 with VNNI (AMX-INT8 for batches when present)"};
  if (vbmi) {
    v.cpuFeatures += ",avx512vbmi";
    v.description = "AVX-512 with VNNI and VBMI (AMX-INT8 for batches when "
                    "present)";
  }
  return v;
}

cpu::CpuVariant hostVariant() {
#if defined(__x86_64__)
  llvm::StringMap<bool> has = llvm::sys::getHostCPUFeatures();
  if (has.lookup("avx512f") && has.lookup("avx512bw") &&
      has.lookup("avx512vl") && has.lookup("avx512vnni"))
    return avx512(has.lookup("avx512vbmi"));
  if (has.lookup("avx2") && has.lookup("fma"))
    return {"Avx2", false, "avx2,fma", "x86-64-v3 (AVX2)"};
#elif defined(__aarch64__)
  return {"Neon", false, "neon", "NEON"};
#endif
  return {"", false, "", "scalar loops"};
}

std::string kernelSource(StringRef name, const LinearClaim &claim,
                         StringRef isa, StringRef format, int64_t bytes) {
  LinearOp op = claim.op;
  std::string layer = layerName(op.getLoc());
  return llvm::formatv(
      "// tern.linear{0}: {1}x{2} by {3}x{2} ternary weights, {4} in "
      "{5}-row tiles ({6} bytes)\n"
      "static void {7}(const int8_t *x, const float *xs, const int8_t *w,\n"
      "    const float *ws, float *y) {{\n"
      "  constexpr tern::cpu::PackedLayout layout{{tern::cpu::Format::{8}, "
      "{5}, {3}, {2}};\n"
      "  tern::cpu::linear<tern::cpu::Isa::{9}, {5}, layout.k_blocks()>(\n"
      "      layout, {1}, x, xs, reinterpret_cast<const uint8_t *>(w), ws, "
      "y,\n      {10}, {11});\n}\n",
      layer.empty() ? "" : " '" + layer + "'", claim.m, claim.k, claim.n,
      format, kRowsPerTile, bytes, name, format == "T3" ? "T3" : "I2", isa,
      claim.perToken ? "true" : "false", claim.perChannel ? "true" : "false");
}

LogicalResult lowerClaim(const LinearClaim &claim,
                         const cpu::CpuVariant &variant,
                         const TargetOptions &options, int index,
                         OpBuilder &declarations) {
  LinearOp op = claim.op;
  auto format = op->getAttrOfType<StringAttr>(kTargetKernelAttr);
  bool t3 = format && format.getValue() == "t3";
  ::tern::cpu::PackedLayout layout{t3 ? ::tern::cpu::Format::T3
                                      : ::tern::cpu::Format::I2,
                                   kRowsPerTile, claim.n, claim.k};
  OpBuilder b(op);
  Location loc = op.getLoc();
  FailureOr<Value> weights =
      packedWeightsConstant(claim, t3 ? "t3" : "i2", layout.bytes(), options,
                            [&](const int8_t *values, uint8_t *out) {
                              ::tern::cpu::pack_weights(layout, values, out);
                            });
  if (failed(weights))
    return failure();
  auto bufferOf = [&](Value tensor) -> Value {
    auto type = cast<RankedTensorType>(tensor.getType());
    return bufferization::ToBufferOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
        /*read_only=*/true);
  };
  auto resultType = cast<RankedTensorType>(op.getType());
  auto outType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  SmallVector<Value> args = {bufferOf(op.getInput()),
                             bufferOf(op.getInputScales()), bufferOf(*weights),
                             bufferOf(op.getWeightScales())};
  Value out = memref::AllocOp::create(b, loc, outType);
  args.push_back(out);

  std::string name = options.symbolPrefix + "_linear_" + std::to_string(index);
  OpBuilder &top = declarations;
  auto decl = func::FuncOp::create(
      top, loc, name, top.getFunctionType(ValueRange(args).getTypes(), {}));
  decl.setPrivate();
  decl->setAttr(kKernelSourceAttr, top.getStringAttr(kernelSource(
                                       name, claim, variant.isa,
                                       t3 ? "T3" : "I2", layout.bytes())));
  decl->setAttr(kKernelIncludeAttr, top.getStringAttr("tern/cpu/linear.h"));
  top.setInsertionPointAfter(decl);
  func::CallOp::create(b, loc, decl, args);
  Value result = bufferization::ToTensorOp::create(
      b, loc, resultType, out, /*restrict=*/true, /*writable=*/true);
  op.getResult().replaceAllUsesWith(result);
  op.erase();
  return success();
}
} // namespace

FailureOr<cpu::CpuVariant> cpu::resolveCpuVariant(ModuleOp module,
                                                  StringRef variant) {
  if (variant.empty() || variant == "native")
    return hostVariant();
  if (variant == "x86-64-v3")
    return CpuVariant{"Avx2", false, "avx2,fma", "x86-64-v3 (AVX2)"};
  if (variant == "avx512")
    return avx512(/*vbmi=*/false);
  if (variant == "neon")
    return CpuVariant{"Neon", false, "neon", "NEON"};
  if (variant == "scalar")
    return CpuVariant{"", false, "", "scalar loops"};
  return module.emitError() << "target cpu has no variant '" << variant
                            << "' (native, x86-64-v3, avx512, neon, scalar)";
}

LogicalResult cpu::claimLinearKernels(ModuleOp module,
                                      const CpuVariant &variant,
                                      const TargetOptions &options) {
  if (variant.isa.empty())
    return success();
  StringRef format = options.weightFormat;
  if (format != "auto" && format != "i2" && format != "t3")
    return module.emitError()
           << "unknown weight format '" << format << "' (auto, i2, t3)";
  if (format == "t3" && !variant.base3)
    return module.emitError()
           << "weight format t3 needs AVX-512 VBMI; target cpu is "
           << variant.description;
  // `auto` takes I2: measured on the AVX-512 machine (bench/README.md), I2
  // GEMV streams at DRAM speed, while T3's decode keeps it below (fewer
  // weights per second despite 20% fewer bytes) and AMX takes only I2.
  bool t3 = format == "t3";
  Builder b(module.getContext());
  module.walk([&](LinearOp op) {
    if (claimableLinear(op))
      op->setAttr(kTargetKernelAttr, b.getStringAttr(t3 ? "t3" : "i2"));
  });
  return success();
}

LogicalResult cpu::lowerLinearKernels(ModuleOp module,
                                      const CpuVariant &variant,
                                      const TargetOptions &options) {
  SmallVector<LinearClaim> claims;
  WalkResult walk = module.walk([&](LinearOp op) {
    if (!op->hasAttr(kTargetKernelAttr))
      return WalkResult::advance();
    std::optional<LinearClaim> claim = claimableLinear(op);
    if (!claim || variant.isa.empty()) {
      op.emitError("layer was claimed for a CPU kernel it cannot use");
      return WalkResult::interrupt();
    }
    claims.push_back(*claim);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  // Declarations in layer order at the top of the module.
  OpBuilder declarations = OpBuilder::atBlockBegin(module.getBody());
  for (auto [index, claim] : llvm::enumerate(claims))
    if (failed(lowerClaim(claim, variant, options, int(index), declarations)))
      return failure();
  if (!claims.empty())
    module->setAttr("tern.cpu_features",
                    StringAttr::get(module.getContext(), variant.cpuFeatures));
  return success();
}
