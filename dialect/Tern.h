//===- Tern.h - the tern dialect: types, attributes, ops ------------------===//
//
// The one header to include for the tern dialect.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_DIALECT_TERN_H
#define TERN_DIALECT_TERN_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TensorEncoding.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/TernDialect.h.inc"
#include "dialect/TernEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/TernAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/TernTypes.h.inc"

#define GET_OP_CLASSES
#include "dialect/TernOps.h.inc"

#endif // TERN_DIALECT_TERN_H
