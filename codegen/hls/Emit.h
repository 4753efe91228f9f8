//===- Emit.h - the files of an HLS project ---------------------*- C++ -*-===//
#ifndef TERN_CODEGEN_HLS_EMIT_H
#define TERN_CODEGEN_HLS_EMIT_H

#include "codegen/hls/HlsModel.h"

#include <string>

namespace mlir::tern::hls {

/// The `ternc --target=hls` choices a project is written with.
struct HlsOptions {
  std::string interface = "m_axi"; // or "ap_memory", "axis"
  std::string part = "xczu3eg-sbva484-1-e";
  double clockNs = 5;
};

/// The top function's declaration: arrays, or streams for "axis".
std::string topSignature(const HlsModel &model, const HlsOptions &options);

/// firmware/<top>.h and firmware/<top>.cpp: the synthesizable part.
std::string firmwareHeader(const HlsModel &model, const HlsOptions &options);
std::string firmwareSource(const HlsModel &model, const HlsOptions &options);

/// <top>_host.h: the float tail after the accelerator, as plain C++ for
/// the host (and the testbench); fails on an op it cannot print.
FailureOr<std::string> hostTail(const HlsModel &model);

/// `ternc --report`: per unit, DSP, LUT, FF and BRAM estimated from the
/// folding (ResourceEstimate.cpp), then the total.
void printResourceReport(const HlsModel &model, llvm::raw_ostream &os);

/// <top>_test.cpp, the C simulation testbench over tb_data/.
std::string testbench(const HlsModel &model, const HlsOptions &options);

/// firmware/tern_stream.h: hls::stream for C simulation without Vitis.
std::string streamStandIn();

/// build_prj.tcl, hls_config.cfg, Makefile, README.md.
std::string buildTcl(const HlsModel &model, const HlsOptions &options);
std::string hlsConfig(const HlsModel &model, const HlsOptions &options);
std::string makefile(const HlsModel &model, const HlsOptions &options);
std::string projectReadme(const HlsModel &model, const HlsOptions &options);

} // namespace mlir::tern::hls

#endif
