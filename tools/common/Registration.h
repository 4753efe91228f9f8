//===- Registration.h - dialects and passes every tern tool knows ---------===//
#ifndef TERN_TOOLS_REGISTRATION_H
#define TERN_TOOLS_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::tern {

/// Adds the tern dialect and the upstream dialects tern's pipelines produce
/// or consume, with the interface models (bufferization, LLVM IR
/// translation) those pipelines need.
void registerAllDialects(DialectRegistry &registry);

/// Registers tern's passes and pipelines and the upstream passes they use,
/// so that tools' command lines and --help know them.
void registerAllPasses();

} // namespace mlir::tern

#endif // TERN_TOOLS_REGISTRATION_H
