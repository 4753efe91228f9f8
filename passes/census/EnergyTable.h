//===- EnergyTable.h - energy per arithmetic operation -----------*- C++-*-===//
//
// Picojoules per add and multiply at two process nodes, the figures the
// BitNet papers use for their energy comparisons:
//
// - 45 nm, 0.9 V: M. Horowitz, "Computing's energy problem (and what we can
//   do about it)", ISSCC 2014, Fig. 1.1.9. BitNet (H. Wang et al., "BitNet:
//   Scaling 1-bit Transformers for Large Language Models", arXiv:2310.11453,
//   2023, Table 2) and BitNet b1.58 (S. Ma et al., "The Era of 1-bit LLMs",
//   arXiv:2402.17764, 2024) cite it.
// - 7 nm: BitNet (arXiv:2310.11453), Table 2, for FP32, FP16 and INT8.
//   That table has no INT32 row; tern's accumulators are i32, so the 7 nm
//   INT32 entries are Horowitz's 45 nm INT32 figures scaled by the table's
//   own 45 -> 7 nm INT8 ratio (add 0.007/0.03, multiply 0.07/0.2). They
//   are estimates, not published figures.
//
// Widths a table lacks use the next wider entry (i1..i8 as INT8, bf16 as
// FP16).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_CENSUS_ENERGYTABLE_H
#define TERN_PASSES_CENSUS_ENERGYTABLE_H

namespace mlir::tern {

struct EnergyTable {
  const char *node;
  double int8Add, int32Add, float16Add, float32Add;
  double int8Mul, int32Mul, float16Mul, float32Mul;

  double intAdd(unsigned bits) const { return bits <= 8 ? int8Add : int32Add; }
  double intMul(unsigned bits) const { return bits <= 8 ? int8Mul : int32Mul; }
  double floatAdd(unsigned bits) const {
    return bits <= 16 ? float16Add : float32Add;
  }
  double floatMul(unsigned bits) const {
    return bits <= 16 ? float16Mul : float32Mul;
  }
};

constexpr EnergyTable kEnergy45nm = {"45 nm",
                                     /*int8Add=*/0.03,
                                     /*int32Add=*/0.1,
                                     /*float16Add=*/0.4,
                                     /*float32Add=*/0.9,
                                     /*int8Mul=*/0.2,
                                     /*int32Mul=*/3.1,
                                     /*float16Mul=*/1.1,
                                     /*float32Mul=*/3.7};

constexpr EnergyTable kEnergy7nm = {"7 nm",
                                    /*int8Add=*/0.007,
                                    /*int32Add=*/0.1 * 0.007 / 0.03,
                                    /*float16Add=*/0.16,
                                    /*float32Add=*/0.38,
                                    /*int8Mul=*/0.07,
                                    /*int32Mul=*/3.1 * 0.07 / 0.2,
                                    /*float16Mul=*/0.34,
                                    /*float32Mul=*/1.31};

} // namespace mlir::tern

#endif
