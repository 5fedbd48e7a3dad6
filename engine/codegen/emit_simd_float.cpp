// SIMD float instructions (arithmetic with quiet NaN results, IEEE min/max, pseudo-min/max,
// rounding), the lane conversions (saturating float-to-int without scalarising, int-to-float,
// demote/promote), and relaxed SIMD with its deterministic choices:
//   relaxed_swizzle = swizzle, relaxed_laneselect = bitselect, relaxed_min/max = min/max,
//   relaxed_trunc = trunc_sat, relaxed_q15mulr = q15mulr_sat (emitted with their
//   counterparts); relaxed_madd(a, b, c) = f32x4.add(f32x4.mul(a, b), c) and relaxed_nmadd =
//   the same with -a: unfused, two roundings, as the non-relaxed instructions compute it on
//   every host; relaxed_dot_i8x16_i7x16 = the second operand's lanes unsigned, each pair's sum
//   saturated to i16 (pmaddubsw), and the _add form adds those i16 sums pairwise in i32.
#include <llvm/IR/IntrinsicsX86.h>

#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {
namespace {

struct FloatOp {
  Opcode op;
  char shape;
  Opcode scalar;  // the scalar instruction with the same lane semantics
};

// Lane-wise float binaries with a scalar twin; binary() emits both.
constexpr FloatOp kFloatBinaries[] = {
    {Opcode::kF32x4Add, 'f', Opcode::kF32Add},
    {Opcode::kF32x4Sub, 'f', Opcode::kF32Sub},
    {Opcode::kF32x4Mul, 'f', Opcode::kF32Mul},
    {Opcode::kF32x4Div, 'f', Opcode::kF32Div},
    {Opcode::kF32x4Min, 'f', Opcode::kF32Min},
    {Opcode::kF32x4Max, 'f', Opcode::kF32Max},
    {Opcode::kF32x4RelaxedMin, 'f', Opcode::kF32Min},
    {Opcode::kF32x4RelaxedMax, 'f', Opcode::kF32Max},
    {Opcode::kF64x2Add, 'd', Opcode::kF64Add},
    {Opcode::kF64x2Sub, 'd', Opcode::kF64Sub},
    {Opcode::kF64x2Mul, 'd', Opcode::kF64Mul},
    {Opcode::kF64x2Div, 'd', Opcode::kF64Div},
    {Opcode::kF64x2Min, 'd', Opcode::kF64Min},
    {Opcode::kF64x2Max, 'd', Opcode::kF64Max},
    {Opcode::kF64x2RelaxedMin, 'd', Opcode::kF64Min},
    {Opcode::kF64x2RelaxedMax, 'd', Opcode::kF64Max},
};

struct FloatUnary {
  Opcode op;
  char shape;
  llvm::Intrinsic::ID id;  // not_intrinsic: fneg
};

constexpr FloatUnary kFloatUnaries[] = {
    {Opcode::kF32x4Abs, 'f', llvm::Intrinsic::fabs},
    {Opcode::kF64x2Abs, 'd', llvm::Intrinsic::fabs},
    {Opcode::kF32x4Neg, 'f', llvm::Intrinsic::not_intrinsic},
    {Opcode::kF64x2Neg, 'd', llvm::Intrinsic::not_intrinsic},
    {Opcode::kF32x4Sqrt, 'f', llvm::Intrinsic::sqrt},
    {Opcode::kF64x2Sqrt, 'd', llvm::Intrinsic::sqrt},
    {Opcode::kF32x4Ceil, 'f', llvm::Intrinsic::ceil},
    {Opcode::kF64x2Ceil, 'd', llvm::Intrinsic::ceil},
    {Opcode::kF32x4Floor, 'f', llvm::Intrinsic::floor},
    {Opcode::kF64x2Floor, 'd', llvm::Intrinsic::floor},
    {Opcode::kF32x4Trunc, 'f', llvm::Intrinsic::trunc},
    {Opcode::kF64x2Trunc, 'd', llvm::Intrinsic::trunc},
    {Opcode::kF32x4Nearest, 'f', llvm::Intrinsic::roundeven},
    {Opcode::kF64x2Nearest, 'd', llvm::Intrinsic::roundeven},
};

std::vector<int> iota_mask(unsigned n) {
  std::vector<int> mask(n);
  for (unsigned i = 0; i < n; ++i) mask[i] = static_cast<int>(i);
  return mask;
}

}  // namespace

bool FunctionEmitter::simd_float(const Instr& in) {
  for (const FloatOp& f : kFloatBinaries) {
    if (f.op != in.op) continue;
    llvm::Value* rhs = pop_lanes(f.shape);
    llvm::Value* lhs = pop_lanes(f.shape);
    llvm::Value* r = binary(f.scalar, lhs, rhs);
    push_lanes(is_float_arith(f.scalar) ? quiet_nan_result(lhs, rhs, r) : r);
    return true;
  }
  for (const FloatUnary& u : kFloatUnaries) {
    if (u.op != in.op) continue;
    llvm::Value* x = pop_lanes(u.shape);
    push_lanes(u.id == llvm::Intrinsic::not_intrinsic ? b_.CreateFNeg(x)
                                                      : b_.CreateUnaryIntrinsic(u.id, x));
    return true;
  }
  switch (in.op) {
    case Opcode::kF32x4Pmin:
    case Opcode::kF64x2Pmin:
    case Opcode::kF32x4Pmax:
    case Opcode::kF64x2Pmax: {  // pmin: b < a ? b : a; pmax: a < b ? b : a (minps / maxps)
      char shape = in.op == Opcode::kF32x4Pmin || in.op == Opcode::kF32x4Pmax ? 'f' : 'd';
      bool is_min = in.op == Opcode::kF32x4Pmin || in.op == Opcode::kF64x2Pmin;
      llvm::Value* rhs = pop_lanes(shape);
      llvm::Value* lhs = pop_lanes(shape);
      llvm::Value* take_rhs = is_min ? b_.CreateFCmpOLT(rhs, lhs) : b_.CreateFCmpOLT(lhs, rhs);
      push_lanes(b_.CreateSelect(take_rhs, rhs, lhs));
      return true;
    }
    default:
      return false;
  }
}

// Saturating float-to-int of each lane (NaN -> 0, out of range -> the nearest bound) for
// <4 x float> -> <4 x i32> or <2 x double> -> <2 x i32>. llvm.fptosi.sat on vectors is
// scalarised by the x86 back end, so the bounds are applied with compares and selects around
// one vector conversion (cvttps2dq / cvttpd2dq, or their unsigned forms).
llvm::Value* FunctionEmitter::trunc_sat_lanes(llvm::Value* x, bool is_signed) {
  auto* vt = llvm::cast<llvm::FixedVectorType>(x->getType());
  unsigned n = vt->getNumElements();
  auto* it = llvm::FixedVectorType::get(env_.i32, n);
  auto fconst = [&](double v) { return llvm::ConstantFP::get(vt, v); };
  llvm::Value* zero = fconst(0.0);
  // 2^31 (signed) or 2^32 (unsigned): the first value above the range, exact in both types.
  llvm::Value* limit = fconst(is_signed ? 2147483648.0 : 4294967296.0);
  llvm::Value* max = llvm::ConstantInt::get(it, is_signed ? 0x7fffffffu : 0xffffffffu);
  llvm::Value* a;
  if (is_signed) {
    a = b_.CreateSelect(b_.CreateFCmpORD(x, x), x, zero);  // NaN -> 0
    llvm::Value* lo = fconst(-2147483648.0);
    a = b_.CreateSelect(b_.CreateFCmpOLT(a, lo), lo, a);
  } else {
    a = b_.CreateSelect(b_.CreateFCmpOGT(x, zero), x, zero);  // NaN and negatives -> 0
  }
  llvm::Value* over = b_.CreateFCmpOGE(a, limit);
  a = b_.CreateSelect(over, zero, a);  // now exactly convertible
  llvm::Value* r = is_signed ? b_.CreateFPToSI(a, it) : b_.CreateFPToUI(a, it);
  return b_.CreateSelect(over, max, r);
}

bool FunctionEmitter::simd_convert(const Instr& in) {
  auto* i32x2 = llvm::FixedVectorType::get(env_.i32, 2);
  auto* f32x2 = llvm::FixedVectorType::get(env_.f32, 2);
  switch (in.op) {
    case Opcode::kI32x4TruncSatF32x4S:
    case Opcode::kI32x4TruncSatF32x4U:
    case Opcode::kI32x4RelaxedTruncF32x4S:  // relaxed: saturating like trunc_sat
    case Opcode::kI32x4RelaxedTruncF32x4U: {
      bool s = in.op == Opcode::kI32x4TruncSatF32x4S || in.op == Opcode::kI32x4RelaxedTruncF32x4S;
      push_lanes(trunc_sat_lanes(pop_lanes('f'), s));
      return true;
    }
    case Opcode::kI32x4TruncSatF64x2SZero:
    case Opcode::kI32x4TruncSatF64x2UZero:
    case Opcode::kI32x4RelaxedTruncF64x2SZero:
    case Opcode::kI32x4RelaxedTruncF64x2UZero: {
      bool s = in.op == Opcode::kI32x4TruncSatF64x2SZero ||
               in.op == Opcode::kI32x4RelaxedTruncF64x2SZero;
      llvm::Value* r = trunc_sat_lanes(pop_lanes('d'), s);
      push_lanes(b_.CreateShuffleVector(r, llvm::Constant::getNullValue(i32x2), iota_mask(4)));
      return true;
    }
    case Opcode::kF32x4ConvertI32x4S:
      push_lanes(b_.CreateSIToFP(pop_lanes('i'), env_.vector_type('f')));
      return true;
    case Opcode::kF32x4ConvertI32x4U:
      push_lanes(b_.CreateUIToFP(pop_lanes('i'), env_.vector_type('f')));
      return true;
    case Opcode::kF64x2ConvertLowI32x4S:
    case Opcode::kF64x2ConvertLowI32x4U: {
      llvm::Value* low = b_.CreateShuffleVector(pop_lanes('i'), iota_mask(2));
      push_lanes(in.op == Opcode::kF64x2ConvertLowI32x4S
                     ? b_.CreateSIToFP(low, env_.vector_type('d'))
                     : b_.CreateUIToFP(low, env_.vector_type('d')));
      return true;
    }
    case Opcode::kF32x4DemoteF64x2Zero: {
      llvm::Value* r = b_.CreateFPTrunc(pop_lanes('d'), f32x2);
      push_lanes(b_.CreateShuffleVector(r, llvm::Constant::getNullValue(f32x2), iota_mask(4)));
      return true;
    }
    case Opcode::kF64x2PromoteLowF32x4: {
      llvm::Value* low = b_.CreateShuffleVector(pop_lanes('f'), iota_mask(2));
      push_lanes(b_.CreateFPExt(low, env_.vector_type('d')));
      return true;
    }
    default:
      return false;
  }
}

// The i16 lanes of relaxed_dot: sat16(a[2i] * zext(b[2i]) + a[2i+1] * zext(b[2i+1])).
llvm::Value* FunctionEmitter::relaxed_dot_i16(llvm::Value* a, llvm::Value* b) {
  if (env_.x86_ssse3) {  // pmaddubsw: first operand unsigned, second signed
    return b_.CreateIntrinsic(llvm::Intrinsic::x86_ssse3_pmadd_ub_sw_128, {}, {b, a});
  }
  auto* wide = llvm::FixedVectorType::get(env_.i32, 16);
  llvm::Value* p = b_.CreateMul(b_.CreateSExt(a, wide), b_.CreateZExt(b, wide));
  std::vector<int> even(8), odd(8);
  for (int i = 0; i < 8; ++i) {
    even[i] = 2 * i;
    odd[i] = 2 * i + 1;
  }
  llvm::Value* sum = b_.CreateAdd(b_.CreateShuffleVector(p, even), b_.CreateShuffleVector(p, odd));
  sum = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, sum,
                                 b_.CreateVectorSplat(8, b_.getInt32(-32768)));
  sum = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, sum,
                                 b_.CreateVectorSplat(8, b_.getInt32(32767)));
  return b_.CreateTrunc(sum, env_.vector_type('h'));
}

bool FunctionEmitter::simd_relaxed(const Instr& in) {
  switch (in.op) {
    case Opcode::kF32x4RelaxedMadd:
    case Opcode::kF32x4RelaxedNmadd:
    case Opcode::kF64x2RelaxedMadd:
    case Opcode::kF64x2RelaxedNmadd: {
      char shape =
          in.op == Opcode::kF32x4RelaxedMadd || in.op == Opcode::kF32x4RelaxedNmadd ? 'f' : 'd';
      bool negate = in.op == Opcode::kF32x4RelaxedNmadd || in.op == Opcode::kF64x2RelaxedNmadd;
      llvm::Value* c = pop_lanes(shape);
      llvm::Value* b = pop_lanes(shape);
      llvm::Value* a = pop_lanes(shape);
      if (negate) a = b_.CreateFNeg(a);
      bool f32 = shape == 'f';
      llvm::Value* p =
          quiet_nan_result(a, b, binary(f32 ? Opcode::kF32Mul : Opcode::kF64Mul, a, b));
      push_lanes(quiet_nan_result(p, c, binary(f32 ? Opcode::kF32Add : Opcode::kF64Add, p, c)));
      return true;
    }
    case Opcode::kI16x8RelaxedDotI8x16I7x16S: {
      llvm::Value* b = pop_lanes('b');
      llvm::Value* a = pop_lanes('b');
      push_lanes(relaxed_dot_i16(a, b));
      return true;
    }
    case Opcode::kI32x4RelaxedDotI8x16I7x16AddS: {
      llvm::Value* c = pop_lanes('i');
      llvm::Value* b = pop_lanes('b');
      llvm::Value* a = pop_lanes('b');
      auto* wide = llvm::FixedVectorType::get(env_.i32, 8);
      llvm::Value* d = b_.CreateSExt(relaxed_dot_i16(a, b), wide);
      llvm::Value* even = b_.CreateShuffleVector(d, std::vector<int>{0, 2, 4, 6});
      llvm::Value* odd = b_.CreateShuffleVector(d, std::vector<int>{1, 3, 5, 7});
      push_lanes(b_.CreateAdd(b_.CreateAdd(even, odd), c));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace ws::engine::codegen
