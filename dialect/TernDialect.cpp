#include "dialect/Tern.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tern;

#include "dialect/TernDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/TernTypes.cpp.inc"

void TernDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/TernTypes.cpp.inc"
      >();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "dialect/TernOps.cpp.inc"
      >();
}
