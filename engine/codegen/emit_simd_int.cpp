// SIMD integer instructions: lane-wise comparisons (integer and float), arithmetic, saturating
// and averaging ops, shifts, abs/neg/popcnt, all_true/bitmask, and the widening and narrowing
// families (extend, extmul, extadd_pairwise, dot, narrow), all as LLVM vector operations.
#include <llvm/IR/IntrinsicsX86.h>

#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {
namespace {

using llvm::CmpInst;
using llvm::Instruction;
using llvm::Intrinsic::ID;

struct VectorCmp {
  Opcode op;
  char shape;
  CmpInst::Predicate pred;
};

constexpr VectorCmp kVectorCompares[] = {
    {Opcode::kI8x16Eq, 'b', CmpInst::ICMP_EQ},   {Opcode::kI8x16Ne, 'b', CmpInst::ICMP_NE},
    {Opcode::kI8x16LtS, 'b', CmpInst::ICMP_SLT}, {Opcode::kI8x16LtU, 'b', CmpInst::ICMP_ULT},
    {Opcode::kI8x16GtS, 'b', CmpInst::ICMP_SGT}, {Opcode::kI8x16GtU, 'b', CmpInst::ICMP_UGT},
    {Opcode::kI8x16LeS, 'b', CmpInst::ICMP_SLE}, {Opcode::kI8x16LeU, 'b', CmpInst::ICMP_ULE},
    {Opcode::kI8x16GeS, 'b', CmpInst::ICMP_SGE}, {Opcode::kI8x16GeU, 'b', CmpInst::ICMP_UGE},
    {Opcode::kI16x8Eq, 'h', CmpInst::ICMP_EQ},   {Opcode::kI16x8Ne, 'h', CmpInst::ICMP_NE},
    {Opcode::kI16x8LtS, 'h', CmpInst::ICMP_SLT}, {Opcode::kI16x8LtU, 'h', CmpInst::ICMP_ULT},
    {Opcode::kI16x8GtS, 'h', CmpInst::ICMP_SGT}, {Opcode::kI16x8GtU, 'h', CmpInst::ICMP_UGT},
    {Opcode::kI16x8LeS, 'h', CmpInst::ICMP_SLE}, {Opcode::kI16x8LeU, 'h', CmpInst::ICMP_ULE},
    {Opcode::kI16x8GeS, 'h', CmpInst::ICMP_SGE}, {Opcode::kI16x8GeU, 'h', CmpInst::ICMP_UGE},
    {Opcode::kI32x4Eq, 'i', CmpInst::ICMP_EQ},   {Opcode::kI32x4Ne, 'i', CmpInst::ICMP_NE},
    {Opcode::kI32x4LtS, 'i', CmpInst::ICMP_SLT}, {Opcode::kI32x4LtU, 'i', CmpInst::ICMP_ULT},
    {Opcode::kI32x4GtS, 'i', CmpInst::ICMP_SGT}, {Opcode::kI32x4GtU, 'i', CmpInst::ICMP_UGT},
    {Opcode::kI32x4LeS, 'i', CmpInst::ICMP_SLE}, {Opcode::kI32x4LeU, 'i', CmpInst::ICMP_ULE},
    {Opcode::kI32x4GeS, 'i', CmpInst::ICMP_SGE}, {Opcode::kI32x4GeU, 'i', CmpInst::ICMP_UGE},
    {Opcode::kI64x2Eq, 'l', CmpInst::ICMP_EQ},   {Opcode::kI64x2Ne, 'l', CmpInst::ICMP_NE},
    {Opcode::kI64x2LtS, 'l', CmpInst::ICMP_SLT}, {Opcode::kI64x2GtS, 'l', CmpInst::ICMP_SGT},
    {Opcode::kI64x2LeS, 'l', CmpInst::ICMP_SLE}, {Opcode::kI64x2GeS, 'l', CmpInst::ICMP_SGE},
    {Opcode::kF32x4Eq, 'f', CmpInst::FCMP_OEQ},  {Opcode::kF32x4Ne, 'f', CmpInst::FCMP_UNE},
    {Opcode::kF32x4Lt, 'f', CmpInst::FCMP_OLT},  {Opcode::kF32x4Gt, 'f', CmpInst::FCMP_OGT},
    {Opcode::kF32x4Le, 'f', CmpInst::FCMP_OLE},  {Opcode::kF32x4Ge, 'f', CmpInst::FCMP_OGE},
    {Opcode::kF64x2Eq, 'd', CmpInst::FCMP_OEQ},  {Opcode::kF64x2Ne, 'd', CmpInst::FCMP_UNE},
    {Opcode::kF64x2Lt, 'd', CmpInst::FCMP_OLT},  {Opcode::kF64x2Gt, 'd', CmpInst::FCMP_OGT},
    {Opcode::kF64x2Le, 'd', CmpInst::FCMP_OLE},  {Opcode::kF64x2Ge, 'd', CmpInst::FCMP_OGE},
};

// Lane-wise binary operations that are one LLVM instruction or intrinsic.
struct IntBinary {
  Opcode op;
  char shape;
  Instruction::BinaryOps bin;  // used when id is not_intrinsic
  ID id;
};

constexpr auto kNone = llvm::Intrinsic::not_intrinsic;
constexpr auto kAdd = Instruction::Add;

constexpr IntBinary kIntBinaries[] = {
    {Opcode::kI8x16Add, 'b', Instruction::Add, kNone},
    {Opcode::kI16x8Add, 'h', Instruction::Add, kNone},
    {Opcode::kI32x4Add, 'i', Instruction::Add, kNone},
    {Opcode::kI64x2Add, 'l', Instruction::Add, kNone},
    {Opcode::kI8x16Sub, 'b', Instruction::Sub, kNone},
    {Opcode::kI16x8Sub, 'h', Instruction::Sub, kNone},
    {Opcode::kI32x4Sub, 'i', Instruction::Sub, kNone},
    {Opcode::kI64x2Sub, 'l', Instruction::Sub, kNone},
    {Opcode::kI16x8Mul, 'h', Instruction::Mul, kNone},
    {Opcode::kI32x4Mul, 'i', Instruction::Mul, kNone},
    {Opcode::kI64x2Mul, 'l', Instruction::Mul, kNone},
    {Opcode::kI8x16AddSatS, 'b', kAdd, llvm::Intrinsic::sadd_sat},
    {Opcode::kI8x16AddSatU, 'b', kAdd, llvm::Intrinsic::uadd_sat},
    {Opcode::kI8x16SubSatS, 'b', kAdd, llvm::Intrinsic::ssub_sat},
    {Opcode::kI8x16SubSatU, 'b', kAdd, llvm::Intrinsic::usub_sat},
    {Opcode::kI16x8AddSatS, 'h', kAdd, llvm::Intrinsic::sadd_sat},
    {Opcode::kI16x8AddSatU, 'h', kAdd, llvm::Intrinsic::uadd_sat},
    {Opcode::kI16x8SubSatS, 'h', kAdd, llvm::Intrinsic::ssub_sat},
    {Opcode::kI16x8SubSatU, 'h', kAdd, llvm::Intrinsic::usub_sat},
    {Opcode::kI8x16MinS, 'b', kAdd, llvm::Intrinsic::smin},
    {Opcode::kI8x16MinU, 'b', kAdd, llvm::Intrinsic::umin},
    {Opcode::kI8x16MaxS, 'b', kAdd, llvm::Intrinsic::smax},
    {Opcode::kI8x16MaxU, 'b', kAdd, llvm::Intrinsic::umax},
    {Opcode::kI16x8MinS, 'h', kAdd, llvm::Intrinsic::smin},
    {Opcode::kI16x8MinU, 'h', kAdd, llvm::Intrinsic::umin},
    {Opcode::kI16x8MaxS, 'h', kAdd, llvm::Intrinsic::smax},
    {Opcode::kI16x8MaxU, 'h', kAdd, llvm::Intrinsic::umax},
    {Opcode::kI32x4MinS, 'i', kAdd, llvm::Intrinsic::smin},
    {Opcode::kI32x4MinU, 'i', kAdd, llvm::Intrinsic::umin},
    {Opcode::kI32x4MaxS, 'i', kAdd, llvm::Intrinsic::smax},
    {Opcode::kI32x4MaxU, 'i', kAdd, llvm::Intrinsic::umax},
};

struct IntUnary {
  Opcode op;
  char shape;
  enum Kind { kAbs, kNeg, kPopcnt, kAllTrue, kBitmask } kind;
};

constexpr IntUnary kIntUnaries[] = {
    {Opcode::kI8x16Abs, 'b', IntUnary::kAbs},
    {Opcode::kI16x8Abs, 'h', IntUnary::kAbs},
    {Opcode::kI32x4Abs, 'i', IntUnary::kAbs},
    {Opcode::kI64x2Abs, 'l', IntUnary::kAbs},
    {Opcode::kI8x16Neg, 'b', IntUnary::kNeg},
    {Opcode::kI16x8Neg, 'h', IntUnary::kNeg},
    {Opcode::kI32x4Neg, 'i', IntUnary::kNeg},
    {Opcode::kI64x2Neg, 'l', IntUnary::kNeg},
    {Opcode::kI8x16Popcnt, 'b', IntUnary::kPopcnt},
    {Opcode::kI8x16AllTrue, 'b', IntUnary::kAllTrue},
    {Opcode::kI16x8AllTrue, 'h', IntUnary::kAllTrue},
    {Opcode::kI32x4AllTrue, 'i', IntUnary::kAllTrue},
    {Opcode::kI64x2AllTrue, 'l', IntUnary::kAllTrue},
    {Opcode::kI8x16Bitmask, 'b', IntUnary::kBitmask},
    {Opcode::kI16x8Bitmask, 'h', IntUnary::kBitmask},
    {Opcode::kI32x4Bitmask, 'i', IntUnary::kBitmask},
    {Opcode::kI64x2Bitmask, 'l', IntUnary::kBitmask},
};

struct Shift {
  Opcode op;
  char shape;
  Instruction::BinaryOps bin;
};

constexpr Shift kShifts[] = {
    {Opcode::kI8x16Shl, 'b', Instruction::Shl},   {Opcode::kI8x16ShrS, 'b', Instruction::AShr},
    {Opcode::kI8x16ShrU, 'b', Instruction::LShr}, {Opcode::kI16x8Shl, 'h', Instruction::Shl},
    {Opcode::kI16x8ShrS, 'h', Instruction::AShr}, {Opcode::kI16x8ShrU, 'h', Instruction::LShr},
    {Opcode::kI32x4Shl, 'i', Instruction::Shl},   {Opcode::kI32x4ShrS, 'i', Instruction::AShr},
    {Opcode::kI32x4ShrU, 'i', Instruction::LShr}, {Opcode::kI64x2Shl, 'l', Instruction::Shl},
    {Opcode::kI64x2ShrS, 'l', Instruction::AShr}, {Opcode::kI64x2ShrU, 'l', Instruction::LShr},
};

// Instructions that widen lanes of `from` to lanes of `to` (twice as wide).
struct Widen {
  Opcode op;
  char from, to;
  enum Kind { kExtendLow, kExtendHigh, kExtmulLow, kExtmulHigh, kExtaddPairwise } kind;
  bool sign;
};

constexpr Widen kWidens[] = {
    {Opcode::kI16x8ExtendLowI8x16S, 'b', 'h', Widen::kExtendLow, true},
    {Opcode::kI16x8ExtendHighI8x16S, 'b', 'h', Widen::kExtendHigh, true},
    {Opcode::kI16x8ExtendLowI8x16U, 'b', 'h', Widen::kExtendLow, false},
    {Opcode::kI16x8ExtendHighI8x16U, 'b', 'h', Widen::kExtendHigh, false},
    {Opcode::kI32x4ExtendLowI16x8S, 'h', 'i', Widen::kExtendLow, true},
    {Opcode::kI32x4ExtendHighI16x8S, 'h', 'i', Widen::kExtendHigh, true},
    {Opcode::kI32x4ExtendLowI16x8U, 'h', 'i', Widen::kExtendLow, false},
    {Opcode::kI32x4ExtendHighI16x8U, 'h', 'i', Widen::kExtendHigh, false},
    {Opcode::kI64x2ExtendLowI32x4S, 'i', 'l', Widen::kExtendLow, true},
    {Opcode::kI64x2ExtendHighI32x4S, 'i', 'l', Widen::kExtendHigh, true},
    {Opcode::kI64x2ExtendLowI32x4U, 'i', 'l', Widen::kExtendLow, false},
    {Opcode::kI64x2ExtendHighI32x4U, 'i', 'l', Widen::kExtendHigh, false},
    {Opcode::kI16x8ExtmulLowI8x16S, 'b', 'h', Widen::kExtmulLow, true},
    {Opcode::kI16x8ExtmulHighI8x16S, 'b', 'h', Widen::kExtmulHigh, true},
    {Opcode::kI16x8ExtmulLowI8x16U, 'b', 'h', Widen::kExtmulLow, false},
    {Opcode::kI16x8ExtmulHighI8x16U, 'b', 'h', Widen::kExtmulHigh, false},
    {Opcode::kI32x4ExtmulLowI16x8S, 'h', 'i', Widen::kExtmulLow, true},
    {Opcode::kI32x4ExtmulHighI16x8S, 'h', 'i', Widen::kExtmulHigh, true},
    {Opcode::kI32x4ExtmulLowI16x8U, 'h', 'i', Widen::kExtmulLow, false},
    {Opcode::kI32x4ExtmulHighI16x8U, 'h', 'i', Widen::kExtmulHigh, false},
    {Opcode::kI64x2ExtmulLowI32x4S, 'i', 'l', Widen::kExtmulLow, true},
    {Opcode::kI64x2ExtmulHighI32x4S, 'i', 'l', Widen::kExtmulHigh, true},
    {Opcode::kI64x2ExtmulLowI32x4U, 'i', 'l', Widen::kExtmulLow, false},
    {Opcode::kI64x2ExtmulHighI32x4U, 'i', 'l', Widen::kExtmulHigh, false},
    {Opcode::kI16x8ExtaddPairwiseI8x16S, 'b', 'h', Widen::kExtaddPairwise, true},
    {Opcode::kI16x8ExtaddPairwiseI8x16U, 'b', 'h', Widen::kExtaddPairwise, false},
    {Opcode::kI32x4ExtaddPairwiseI16x8S, 'h', 'i', Widen::kExtaddPairwise, true},
    {Opcode::kI32x4ExtaddPairwiseI16x8U, 'h', 'i', Widen::kExtaddPairwise, false},
};

// Shuffle mask selecting `n` lanes: first, first + step, ...
std::vector<int> lane_mask(unsigned n, int first, int step) {
  std::vector<int> mask(n);
  for (unsigned i = 0; i < n; ++i) mask[i] = first + static_cast<int>(i) * step;
  return mask;
}

// Integer lanes as wide as `shape`'s (float shapes compare into integer lanes).
char int_lanes(char shape) { return shape == 'f' ? 'i' : shape == 'd' ? 'l' : shape; }

}  // namespace

bool FunctionEmitter::simd_compare(const Instr& in) {
  for (const VectorCmp& c : kVectorCompares) {
    if (c.op != in.op) continue;
    llvm::Value* rhs = pop_lanes(c.shape);
    llvm::Value* lhs = pop_lanes(c.shape);
    llvm::Value* mask = b_.CreateCmp(c.pred, lhs, rhs);
    push_lanes(b_.CreateSExt(mask, env_.vector_type(int_lanes(c.shape))));
    return true;
  }
  return false;
}

// Rounding Q15 multiply with saturation: (a * b + 0x4000) >> 15, where only
// -32768 * -32768 overflows (to 0x8000, saturated to 0x7fff). pmulhrsw computes the rest.
llvm::Value* FunctionEmitter::q15mulr(llvm::Value* a, llvm::Value* b) {
  llvm::FixedVectorType* vt = env_.vector_type('h');
  if (env_.x86_ssse3) {
    llvm::Value* r = b_.CreateIntrinsic(llvm::Intrinsic::x86_ssse3_pmul_hr_sw_128, {}, {a, b});
    llvm::Value* min = splat(b_.getInt16(0x8000), 'h');
    return b_.CreateSelect(b_.CreateICmpEQ(r, min), splat(b_.getInt16(0x7fff), 'h'), r);
  }
  auto* wide = llvm::FixedVectorType::get(env_.i32, 8);
  llvm::Value* p = b_.CreateMul(b_.CreateSExt(a, wide), b_.CreateSExt(b, wide));
  llvm::Value* r = b_.CreateAShr(b_.CreateAdd(p, b_.CreateVectorSplat(8, b_.getInt32(0x4000))), 15);
  llvm::Value* top = b_.CreateVectorSplat(8, b_.getInt32(0x7fff));
  return b_.CreateTrunc(b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, r, top), vt);
}

bool FunctionEmitter::simd_integer(const Instr& in) {
  for (const IntBinary& ib : kIntBinaries) {
    if (ib.op != in.op) continue;
    llvm::Value* rhs = pop_lanes(ib.shape);
    llvm::Value* lhs = pop_lanes(ib.shape);
    push_lanes(ib.id == kNone ? b_.CreateBinOp(ib.bin, lhs, rhs)
                              : b_.CreateBinaryIntrinsic(ib.id, lhs, rhs));
    return true;
  }
  for (const Shift& s : kShifts) {
    if (s.op != in.op) continue;
    llvm::Value* count = pop();
    llvm::Value* x = pop_lanes(s.shape);
    llvm::Type* lane = env_.letter_type(s.shape);
    unsigned bits = lane->getIntegerBitWidth();
    count = b_.CreateZExtOrTrunc(b_.CreateAnd(count, b_.getInt32(bits - 1)), lane);
    push_lanes(b_.CreateBinOp(s.bin, x, splat(count, s.shape)));
    return true;
  }
  switch (in.op) {
    case Opcode::kI8x16AvgrU:
    case Opcode::kI16x8AvgrU: {  // (a + b + 1) >> 1 without overflow: pavgb / pavgw
      char shape = in.op == Opcode::kI8x16AvgrU ? 'b' : 'h';
      llvm::Value* rhs = pop_lanes(shape);
      llvm::Value* lhs = pop_lanes(shape);
      llvm::FixedVectorType* vt = env_.vector_type(shape);
      auto* wide = llvm::VectorType::getExtendedElementVectorType(vt);
      llvm::Value* sum = b_.CreateAdd(b_.CreateZExt(lhs, wide), b_.CreateZExt(rhs, wide));
      sum = b_.CreateAdd(sum, llvm::ConstantInt::get(wide, 1));
      push_lanes(b_.CreateTrunc(b_.CreateLShr(sum, 1), vt));
      return true;
    }
    case Opcode::kI16x8Q15mulrSatS:
    case Opcode::kI16x8RelaxedQ15mulrS: {  // relaxed: the same, saturating
      llvm::Value* rhs = pop_lanes('h');
      llvm::Value* lhs = pop_lanes('h');
      push_lanes(q15mulr(lhs, rhs));
      return true;
    }
    default:
      return false;
  }
}

bool FunctionEmitter::simd_int_unary(const Instr& in) {
  for (const IntUnary& u : kIntUnaries) {
    if (u.op != in.op) continue;
    llvm::Value* x = pop_lanes(u.shape);
    llvm::Value* zero = llvm::Constant::getNullValue(x->getType());
    switch (u.kind) {
      case IntUnary::kAbs:
        push_lanes(b_.CreateBinaryIntrinsic(llvm::Intrinsic::abs, x, b_.getFalse()));
        break;
      case IntUnary::kNeg:
        push_lanes(b_.CreateSub(zero, x));
        break;
      case IntUnary::kPopcnt:
        push_lanes(b_.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, x));
        break;
      case IntUnary::kAllTrue:
        push(b_.CreateZExt(b_.CreateAndReduce(b_.CreateICmpNE(x, zero)), env_.i32));
        break;
      case IntUnary::kBitmask: {
        llvm::Value* signs = b_.CreateICmpSLT(x, zero);
        unsigned n = llvm::cast<llvm::FixedVectorType>(x->getType())->getNumElements();
        push(b_.CreateZExt(b_.CreateBitCast(signs, b_.getIntNTy(n)), env_.i32));
        break;
      }
    }
    return true;
  }
  return false;
}

bool FunctionEmitter::simd_widen(const Instr& in) {
  for (const Widen& w : kWidens) {
    if (w.op != in.op) continue;
    llvm::FixedVectorType* to = env_.vector_type(w.to);
    unsigned n = to->getNumElements();  // lanes of the result, half of the source's
    auto ext = [&](llvm::Value* v, int first, int step) {
      llvm::Value* half = b_.CreateShuffleVector(v, lane_mask(n, first, step));
      return w.sign ? b_.CreateSExt(half, to) : b_.CreateZExt(half, to);
    };
    llvm::Value* rhs =
        w.kind == Widen::kExtmulLow || w.kind == Widen::kExtmulHigh ? pop_lanes(w.from) : nullptr;
    llvm::Value* x = pop_lanes(w.from);
    int half = static_cast<int>(n);
    switch (w.kind) {
      case Widen::kExtendLow:
        push_lanes(ext(x, 0, 1));
        break;
      case Widen::kExtendHigh:
        push_lanes(ext(x, half, 1));
        break;
      case Widen::kExtmulLow:
        push_lanes(b_.CreateMul(ext(x, 0, 1), ext(rhs, 0, 1)));
        break;
      case Widen::kExtmulHigh:
        push_lanes(b_.CreateMul(ext(x, half, 1), ext(rhs, half, 1)));
        break;
      case Widen::kExtaddPairwise:
        push_lanes(b_.CreateAdd(ext(x, 0, 2), ext(x, 1, 2)));
        break;
    }
    return true;
  }
  return false;
}

// Dot products and narrowing: lanes combined into fewer, wider or narrower ones.
bool FunctionEmitter::simd_dot_narrow(const Instr& in) {
  switch (in.op) {
    case Opcode::kI32x4DotI16x8S: {  // pairwise sums of 32-bit products: pmaddwd
      auto* wide = llvm::FixedVectorType::get(env_.i32, 8);
      llvm::Value* rhs = b_.CreateSExt(pop_lanes('h'), wide);
      llvm::Value* lhs = b_.CreateSExt(pop_lanes('h'), wide);
      llvm::Value* p = b_.CreateMul(lhs, rhs);
      push_lanes(b_.CreateAdd(b_.CreateShuffleVector(p, lane_mask(4, 0, 2)),
                              b_.CreateShuffleVector(p, lane_mask(4, 1, 2))));
      return true;
    }
    case Opcode::kI8x16NarrowI16x8S:
    case Opcode::kI8x16NarrowI16x8U:
    case Opcode::kI16x8NarrowI32x4S:
    case Opcode::kI16x8NarrowI32x4U: {  // signed lanes clamped, then truncated: packss / packus
      bool to8 = in.op == Opcode::kI8x16NarrowI16x8S || in.op == Opcode::kI8x16NarrowI16x8U;
      bool sign = in.op == Opcode::kI8x16NarrowI16x8S || in.op == Opcode::kI16x8NarrowI32x4S;
      char from = to8 ? 'h' : 'i';
      unsigned bits = to8 ? 8 : 16;
      llvm::Value* rhs = pop_lanes(from);
      llvm::Value* lhs = pop_lanes(from);
      llvm::Value* both = b_.CreateShuffleVector(lhs, rhs, lane_mask(128 / bits, 0, 1));
      auto* wide = llvm::cast<llvm::FixedVectorType>(both->getType());
      llvm::APInt lo = sign ? llvm::APInt::getSignedMinValue(bits).sext(2 * bits)
                            : llvm::APInt::getZero(2 * bits);
      llvm::APInt hi = sign ? llvm::APInt::getSignedMaxValue(bits).sext(2 * bits)
                            : llvm::APInt::getMaxValue(bits).zext(2 * bits);
      both =
          b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, both, llvm::ConstantInt::get(wide, lo));
      both =
          b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, both, llvm::ConstantInt::get(wide, hi));
      push_lanes(b_.CreateTrunc(both, llvm::VectorType::getTruncatedElementVectorType(wide)));
      return true;
    }
    default:
      return false;
  }
}

}  // namespace ws::engine::codegen
