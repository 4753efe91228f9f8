//===- EnergyTable.h - energy per arithmetic operation -----------*- C++
//-*-===//
//
// Energy per operation at 45 nm, 0.9 V, from M. Horowitz, "Computing's
// energy problem (and what we can do about it)", ISSCC 2014, Fig. 1.1.9 —
// the figures BitNet (Wang et al., 2023) and BitNet b1.58 (Ma et al., 2024)
// use for their 45 nm energy comparisons. Widths the table lacks use the
// next wider entry.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_PASSES_CENSUS_ENERGYTABLE_H
#define TERN_PASSES_CENSUS_ENERGYTABLE_H

namespace mlir::tern::energy45nm {

// Picojoules per operation.
constexpr double kInt8Add = 0.03;
constexpr double kInt32Add = 0.1;
constexpr double kFloat16Add = 0.4;
constexpr double kFloat32Add = 0.9;
constexpr double kInt8Mul = 0.2;
constexpr double kInt32Mul = 3.1;
constexpr double kFloat16Mul = 1.1;
constexpr double kFloat32Mul = 3.7;

inline double intAdd(unsigned bits) { return bits <= 8 ? kInt8Add : kInt32Add; }
inline double intMul(unsigned bits) { return bits <= 8 ? kInt8Mul : kInt32Mul; }
inline double floatAdd(unsigned bits) {
  return bits <= 16 ? kFloat16Add : kFloat32Add;
}
inline double floatMul(unsigned bits) {
  return bits <= 16 ? kFloat16Mul : kFloat32Mul;
}

} // namespace mlir::tern::energy45nm

#endif
