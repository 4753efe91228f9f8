//===- PackingLowering.cpp - reference loops for pack and unpack ----------===//
//
// One loop per output element: a packed byte gathers its codes, an unpacked
// value decodes its byte. The formats are the ones runtime/include/tern/
// layout.h defines; this is an independent implementation of them in IR,
// which the unit tests check against the runtime's C one.
//
//===----------------------------------------------------------------------===//
#include "dialect/LowBit.h"
#include "passes/reference/LoopBuilders.h"
#include "passes/reference/Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tern;
using namespace mlir::tern::reference;

namespace {

int offsetBits(PackingKind kind) {
  switch (kind) {
  case PackingKind::Offset1: return 1;
  case PackingKind::Offset2: return 2;
  case PackingKind::Offset4: return 4;
  default: return 0;
  }
}

/// Builds a [rows, cols] i8 tensor whose element (r, c) is `element(b, r, c)`.
Value generate(ImplicitLocOpBuilder &b, OpFoldResult rows, int64_t cols,
               function_ref<Value(ImplicitLocOpBuilder &, Value, Value)> element) {
  Value out = emptyTensor(b, {rows, b.getIndexAttr(cols)}, b.getI8Type());
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, b.getContext());
  return linalg::GenericOp::create(
             b, TypeRange{out.getType()}, ValueRange{}, ValueRange{out},
             ArrayRef<AffineMap>{identity},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel},
             [&](OpBuilder &nested, Location loc, ValueRange) {
               ImplicitLocOpBuilder body(loc, nested);
               Value row = linalg::IndexOp::create(body, 0);
               Value col = linalg::IndexOp::create(body, 1);
               linalg::YieldOp::create(body, element(body, row, col));
             })
      .getResult(0);
}

Value idx(ImplicitLocOpBuilder &b, int64_t v) { return constantIndex(b, v); }
Value i32(ImplicitLocOpBuilder &b, int64_t v) { return constantInt(b, v, 32); }

Value toI32(ImplicitLocOpBuilder &b, Value index) {
  return arith::IndexCastOp::create(b, b.getI32Type(), index);
}

/// A byte read as an unsigned 0..255 in i32.
Value byteAt(ImplicitLocOpBuilder &b, Value bytes, Value row, Value col) {
  Value byte = tensor::ExtractOp::create(b, bytes, ValueRange{row, col});
  return arith::ExtUIOp::create(b, b.getI32Type(), byte);
}

/// Packs [N, K] values: byte (n, j) gathers the codes of its elements.
struct Packer {
  ImplicitLocOpBuilder &b;
  Value values;
  Value row;
  int64_t k;
  tern_value_kind kind;

  /// Element `col` of the row (element 0 when past the end) and whether
  /// `col` is inside the row; past the end is padding.
  std::pair<Value, Value> valueAt(Value col) {
    Value inRow = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, col,
                                        idx(b, k));
    Value safeCol = arith::SelectOp::create(b, inRow, col, idx(b, 0));
    return {tensor::ExtractOp::create(b, values, ValueRange{row, safeCol}),
            inRow};
  }

  /// The code of element `col` of the row, 0 past the row's end.
  Value codeAt(Value col) {
    auto [element, inRow] = valueAt(col);
    Value value = arith::ExtSIOp::create(b, b.getI32Type(), element);
    Value code =
        kind == TERN_VALUE_BIPOLAR
            ? Value(arith::ExtUIOp::create(
                  b, b.getI32Type(),
                  arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, value,
                                        i32(b, 0))))
            : Value(arith::SubIOp::create(b, value,
                                          i32(b, tern_value_min(kind))));
    return arith::SelectOp::create(b, inRow, code, i32(b, 0));
  }

  /// Element `col` (0 past the end) tested with `predicate` against 0, as 0/1.
  Value bitAt(Value col, arith::CmpIPredicate predicate) {
    auto [value, inRow] = valueAt(col);
    Value test = arith::CmpIOp::create(b, predicate, value,
                                       constantInt(b, 0, 8));
    Value bit = arith::AndIOp::create(b, test, inRow);
    return arith::ExtUIOp::create(b, b.getI32Type(), bit);
  }

  Value offsetByte(Value byteCol, int bits) {
    int perByte = 8 / bits;
    Value first = arith::MulIOp::create(b, byteCol, idx(b, perByte));
    Value acc = i32(b, 0);
    for (int j = 0; j < perByte; ++j) {
      Value code = codeAt(arith::AddIOp::create(b, first, idx(b, j)));
      Value shifted = arith::ShLIOp::create(b, code, i32(b, bits * j));
      acc = arith::OrIOp::create(b, acc, shifted);
    }
    return acc;
  }

  Value base3Byte(Value byteCol) {
    Value first = arith::MulIOp::create(b, byteCol, idx(b, 5));
    Value q = i32(b, 0);
    for (int j = 0; j < 5; ++j) {
      Value code = codeAt(arith::AddIOp::create(b, first, idx(b, j)));
      q = arith::AddIOp::create(b, arith::MulIOp::create(b, q, i32(b, 3)),
                                code);
    }
    // ceil(q * 256 / 243): lets decoders extract digits with a multiply.
    Value scaled = arith::AddIOp::create(
        b, arith::MulIOp::create(b, q, i32(b, 256)), i32(b, 242));
    return arith::DivUIOp::create(b, scaled, i32(b, 243));
  }

  Value bitPlaneByte(Value byteCol) {
    int64_t planeBytes = (k + 7) / 8;
    Value isMask = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, byteCol,
                                         idx(b, planeBytes));
    Value planeCol = arith::SelectOp::create(
        b, isMask, byteCol,
        arith::SubIOp::create(b, byteCol, idx(b, planeBytes)));
    Value first = arith::MulIOp::create(b, planeCol, idx(b, 8));
    Value acc = i32(b, 0);
    for (int j = 0; j < 8; ++j) {
      Value col = arith::AddIOp::create(b, first, idx(b, j));
      Value bit = arith::SelectOp::create(
          b, isMask, bitAt(col, arith::CmpIPredicate::ne),
          bitAt(col, arith::CmpIPredicate::slt));
      acc = arith::OrIOp::create(b, acc,
                                 arith::ShLIOp::create(b, bit, i32(b, j)));
    }
    return acc;
  }
};

/// Unpacks one element: decodes element `col` of a row from its byte.
struct Unpacker {
  ImplicitLocOpBuilder &b;
  Value bytes;
  Value row;
  int64_t k;
  tern_value_kind kind;
  Value powersOf3; // tensor<5xi32>, for base3

  Value fromCode(Value code) {
    if (kind == TERN_VALUE_BIPOLAR) // 0 -> -1, 1 -> +1
      return arith::SubIOp::create(
          b, arith::MulIOp::create(b, code, i32(b, 2)), i32(b, 1));
    return arith::AddIOp::create(b, code, i32(b, tern_value_min(kind)));
  }

  Value offsetValue(Value col, int bits) {
    int perByte = 8 / bits;
    Value byte =
        byteAt(b, bytes, row, arith::DivUIOp::create(b, col, idx(b, perByte)));
    Value slot = toI32(b, arith::RemUIOp::create(b, col, idx(b, perByte)));
    Value shift = arith::MulIOp::create(b, slot, i32(b, bits));
    Value code = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, byte, shift), i32(b, (1 << bits) - 1));
    return fromCode(code);
  }

  Value base3Value(Value col) {
    Value byte = byteAt(b, bytes, row, arith::DivUIOp::create(b, col, idx(b, 5)));
    Value power = tensor::ExtractOp::create(
        b, powersOf3, ValueRange{arith::RemUIOp::create(b, col, idx(b, 5))});
    // Multiplying by 3^i moves digit i to the top; *3 >> 8 reads it.
    Value rotated = arith::AndIOp::create(
        b, arith::MulIOp::create(b, byte, power), i32(b, 255));
    Value code = arith::ShRUIOp::create(
        b, arith::MulIOp::create(b, rotated, i32(b, 3)), i32(b, 8));
    return fromCode(code);
  }

  Value bitPlaneValue(Value col) {
    int64_t planeBytes = (k + 7) / 8;
    Value byteCol = arith::DivUIOp::create(b, col, idx(b, 8));
    Value bit = toI32(b, arith::RemUIOp::create(b, col, idx(b, 8)));
    auto readBit = [&](Value byteIndex) {
      Value byte = byteAt(b, bytes, row, byteIndex);
      return arith::AndIOp::create(b, arith::ShRUIOp::create(b, byte, bit),
                                   i32(b, 1));
    };
    Value nonzero = readBit(byteCol);
    Value negative =
        readBit(arith::AddIOp::create(b, byteCol, idx(b, planeBytes)));
    // nonzero * (1 - 2 * negative)
    Value sign = arith::SubIOp::create(
        b, i32(b, 1), arith::MulIOp::create(b, negative, i32(b, 2)));
    return arith::MulIOp::create(b, nonzero, sign);
  }
};

struct PackLowering : OpConversionPattern<PackOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto layout = cast<PackedLayoutAttr>(op.getType().getEncoding());
    rewriter.replaceOp(op, buildPack(b, adaptor.getInput(), layout));
    return success();
  }
};

struct UnpackLowering : OpConversionPattern<UnpackOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UnpackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    auto layout = cast<PackedLayoutAttr>(op.getInput().getType().getEncoding());
    rewriter.replaceOp(op, buildUnpack(b, adaptor.getInput(), layout,
                                       op.getType().getDimSize(1)));
    return success();
  }
};

} // namespace

Value reference::buildPack(ImplicitLocOpBuilder &b, Value values,
                           PackedLayoutAttr layout) {
  int64_t k = cast<RankedTensorType>(values.getType()).getDimSize(1);
  tern_value_kind kind = *getValueKind(layout.getValueType());
  PackingKind packing = layout.getKind();
  return generate(
      b, tensor::getMixedSize(b, b.getLoc(), values, 0), layout.getRowBytes(k),
      [&](ImplicitLocOpBuilder &body, Value row, Value byteCol) {
        Packer packer{body, values, row, k, kind};
        Value byte = packing == PackingKind::Base3 ? packer.base3Byte(byteCol)
                     : packing == PackingKind::BitPlanes
                         ? packer.bitPlaneByte(byteCol)
                         : packer.offsetByte(byteCol, offsetBits(packing));
        return Value(
            arith::TruncIOp::create(body, body.getI8Type(), byte));
      });
}

Value reference::buildUnpack(ImplicitLocOpBuilder &b, Value bytes,
                             PackedLayoutAttr layout, int64_t k) {
  tern_value_kind kind = *getValueKind(layout.getValueType());
  PackingKind packing = layout.getKind();
  Value powersOf3;
  if (packing == PackingKind::Base3)
    powersOf3 = arith::ConstantOp::create(
        b, DenseElementsAttr::get(RankedTensorType::get({5}, b.getI32Type()),
                                  ArrayRef<int32_t>{1, 3, 9, 27, 81}));
  return generate(
      b, tensor::getMixedSize(b, b.getLoc(), bytes, 0), k,
      [&](ImplicitLocOpBuilder &body, Value row, Value col) {
        Unpacker unpacker{body, bytes, row, k, kind, powersOf3};
        Value value = packing == PackingKind::Base3 ? unpacker.base3Value(col)
                      : packing == PackingKind::BitPlanes
                          ? unpacker.bitPlaneValue(col)
                          : unpacker.offsetValue(col, offsetBits(packing));
        return Value(
            arith::TruncIOp::create(body, body.getI8Type(), value));
      });
}

void reference::populatePackingLoweringPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<PackLowering, UnpackLowering>(converter, patterns.getContext());
}
