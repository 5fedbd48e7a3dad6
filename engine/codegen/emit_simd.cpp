// SIMD: dispatch, v128 loads and stores (whole, extending, splat, zero and lane forms),
// constants, shuffles and swizzles, lane access, and the bitwise instructions.
#include <llvm/IR/IntrinsicsX86.h>

#include "absl/strings/str_cat.h"
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {
namespace {

struct ExtendLoad {
  Opcode op;
  char from;  // 64 bits of these lanes ...
  char to;    // ... widened to 128 bits of these
  bool sign;
};

constexpr ExtendLoad kExtendLoads[] = {
    {Opcode::kV128Load8x8S, 'b', 'h', true},  {Opcode::kV128Load8x8U, 'b', 'h', false},
    {Opcode::kV128Load16x4S, 'h', 'i', true}, {Opcode::kV128Load16x4U, 'h', 'i', false},
    {Opcode::kV128Load32x2S, 'i', 'l', true}, {Opcode::kV128Load32x2U, 'i', 'l', false},
};

struct LaneAccess {
  Opcode op;
  char shape;
  enum Kind { kSplatLoad, kZeroLoad, kLaneLoad, kLaneStore } kind;
};

constexpr LaneAccess kLaneAccesses[] = {
    {Opcode::kV128Load8Splat, 'b', LaneAccess::kSplatLoad},
    {Opcode::kV128Load16Splat, 'h', LaneAccess::kSplatLoad},
    {Opcode::kV128Load32Splat, 'i', LaneAccess::kSplatLoad},
    {Opcode::kV128Load64Splat, 'l', LaneAccess::kSplatLoad},
    {Opcode::kV128Load32Zero, 'i', LaneAccess::kZeroLoad},
    {Opcode::kV128Load64Zero, 'l', LaneAccess::kZeroLoad},
    {Opcode::kV128Load8Lane, 'b', LaneAccess::kLaneLoad},
    {Opcode::kV128Load16Lane, 'h', LaneAccess::kLaneLoad},
    {Opcode::kV128Load32Lane, 'i', LaneAccess::kLaneLoad},
    {Opcode::kV128Load64Lane, 'l', LaneAccess::kLaneLoad},
    {Opcode::kV128Store8Lane, 'b', LaneAccess::kLaneStore},
    {Opcode::kV128Store16Lane, 'h', LaneAccess::kLaneStore},
    {Opcode::kV128Store32Lane, 'i', LaneAccess::kLaneStore},
    {Opcode::kV128Store64Lane, 'l', LaneAccess::kLaneStore},
};

struct LaneOp {
  Opcode op;
  char shape;
  enum Kind { kSplat, kExtract, kExtractS, kExtractU, kReplace } kind;
};

constexpr LaneOp kLaneOps[] = {
    {Opcode::kI8x16Splat, 'b', LaneOp::kSplat},
    {Opcode::kI16x8Splat, 'h', LaneOp::kSplat},
    {Opcode::kI32x4Splat, 'i', LaneOp::kSplat},
    {Opcode::kI64x2Splat, 'l', LaneOp::kSplat},
    {Opcode::kF32x4Splat, 'f', LaneOp::kSplat},
    {Opcode::kF64x2Splat, 'd', LaneOp::kSplat},
    {Opcode::kI8x16ExtractLaneS, 'b', LaneOp::kExtractS},
    {Opcode::kI8x16ExtractLaneU, 'b', LaneOp::kExtractU},
    {Opcode::kI16x8ExtractLaneS, 'h', LaneOp::kExtractS},
    {Opcode::kI16x8ExtractLaneU, 'h', LaneOp::kExtractU},
    {Opcode::kI32x4ExtractLane, 'i', LaneOp::kExtract},
    {Opcode::kI64x2ExtractLane, 'l', LaneOp::kExtract},
    {Opcode::kF32x4ExtractLane, 'f', LaneOp::kExtract},
    {Opcode::kF64x2ExtractLane, 'd', LaneOp::kExtract},
    {Opcode::kI8x16ReplaceLane, 'b', LaneOp::kReplace},
    {Opcode::kI16x8ReplaceLane, 'h', LaneOp::kReplace},
    {Opcode::kI32x4ReplaceLane, 'i', LaneOp::kReplace},
    {Opcode::kI64x2ReplaceLane, 'l', LaneOp::kReplace},
    {Opcode::kF32x4ReplaceLane, 'f', LaneOp::kReplace},
    {Opcode::kF64x2ReplaceLane, 'd', LaneOp::kReplace},
};

}  // namespace

absl::Status FunctionEmitter::simd(const Instr& in) {
  if (simd_memory(in) || simd_lanes(in) || simd_bitwise(in) || simd_compare(in) ||
      simd_integer(in) || simd_int_unary(in) || simd_widen(in) || simd_dot_narrow(in) ||
      simd_float(in) || simd_convert(in) || simd_relaxed(in)) {
    return absl::OkStatus();
  }
  return absl::UnimplementedError(absl::StrCat("codegen: SIMD instruction ", to_string(in.op)));
}

llvm::Value* FunctionEmitter::pop_lanes(char shape) {
  return b_.CreateBitCast(pop(), env_.vector_type(shape));
}

void FunctionEmitter::push_lanes(llvm::Value* v) {
  push(b_.CreateBitCast(v, env_.type(ValType::kV128)));
}

llvm::Value* FunctionEmitter::splat(llvm::Value* scalar, char shape) {
  llvm::FixedVectorType* vt = env_.vector_type(shape);
  if (scalar->getType() != vt->getElementType()) {
    scalar = b_.CreateTrunc(scalar, vt->getElementType());
  }
  return b_.CreateVectorSplat(vt->getNumElements(), scalar);
}

// Lane i is v[idx[i]], or 0 when idx[i] >= 16. On x86, pshufb zeroes a lane whose index has
// its top bit set and otherwise uses the low four bits: adding 0x70 with unsigned saturation
// maps 0..15 to 0x70..0x7f and everything above to >= 0x80. Elsewhere the lane-by-lane form
// below (index masked so each extract is defined, then out-of-range lanes zeroed), which
// back ends turn into their variable permute.
llvm::Value* FunctionEmitter::swizzle(llvm::Value* v, llvm::Value* idx) {
  if (env_.x86_ssse3) {
    llvm::Value* sat =
        b_.CreateBinaryIntrinsic(llvm::Intrinsic::uadd_sat, idx, splat(b_.getInt8(0x70), 'b'));
    return b_.CreateIntrinsic(llvm::Intrinsic::x86_ssse3_pshuf_b_128, {}, {v, sat});
  }
  llvm::Value* masked = b_.CreateAnd(idx, splat(b_.getInt8(15), 'b'));
  llvm::Value* r = llvm::PoisonValue::get(env_.vector_type('b'));
  for (unsigned i = 0; i < 16; ++i) {
    llvm::Value* lane = b_.CreateExtractElement(v, b_.CreateExtractElement(masked, i));
    r = b_.CreateInsertElement(r, lane, i);
  }
  llvm::Value* in_range = b_.CreateICmpULT(idx, splat(b_.getInt8(16), 'b'));
  return b_.CreateSelect(in_range, r, llvm::Constant::getNullValue(r->getType()));
}

bool FunctionEmitter::simd_memory(const Instr& in) {
  llvm::Type* v128 = env_.type(ValType::kV128);
  if (in.op == Opcode::kV128Load) {
    llvm::Value* p = effective_address(in.mem, pop(), 16);
    push(b_.CreateAlignedLoad(v128, p, llvm::Align(1)));
    return true;
  }
  if (in.op == Opcode::kV128Store) {
    llvm::Value* v = pop();
    llvm::Value* p = effective_address(in.mem, pop(), 16);
    b_.CreateAlignedStore(v, p, llvm::Align(1));
    return true;
  }
  for (const ExtendLoad& e : kExtendLoads) {
    if (e.op != in.op) continue;
    llvm::FixedVectorType* to = env_.vector_type(e.to);
    auto* from = llvm::FixedVectorType::get(env_.letter_type(e.from), to->getNumElements());
    llvm::Value* p = effective_address(in.mem, pop(), 8);
    llvm::Value* narrow = b_.CreateAlignedLoad(from, p, llvm::Align(1));
    push_lanes(e.sign ? b_.CreateSExt(narrow, to) : b_.CreateZExt(narrow, to));
    return true;
  }
  for (const LaneAccess& a : kLaneAccesses) {
    if (a.op != in.op) continue;
    llvm::FixedVectorType* vt = env_.vector_type(a.shape);
    llvm::Type* lane = vt->getElementType();
    uint32_t bytes = static_cast<uint32_t>(lane->getPrimitiveSizeInBits() / 8);
    llvm::Value* v = nullptr;
    if (a.kind == LaneAccess::kLaneLoad || a.kind == LaneAccess::kLaneStore) v = pop_lanes(a.shape);
    llvm::Value* p = effective_address(in.mem, pop(), bytes);
    switch (a.kind) {
      case LaneAccess::kSplatLoad:
        push_lanes(splat(b_.CreateAlignedLoad(lane, p, llvm::Align(1)), a.shape));
        break;
      case LaneAccess::kZeroLoad:
        push_lanes(b_.CreateInsertElement(llvm::Constant::getNullValue(vt),
                                          b_.CreateAlignedLoad(lane, p, llvm::Align(1)),
                                          uint64_t{0}));
        break;
      case LaneAccess::kLaneLoad:
        push_lanes(b_.CreateInsertElement(v, b_.CreateAlignedLoad(lane, p, llvm::Align(1)),
                                          uint64_t{in.a}));
        break;
      case LaneAccess::kLaneStore:
        b_.CreateAlignedStore(b_.CreateExtractElement(v, uint64_t{in.a}), p, llvm::Align(1));
        break;
    }
    return true;
  }
  return false;
}

bool FunctionEmitter::simd_lanes(const Instr& in) {
  switch (in.op) {
    case Opcode::kV128Const: {
      llvm::ArrayRef<uint8_t> bytes(in.v128, 16);
      push_lanes(llvm::ConstantDataVector::get(env_.ctx, bytes));
      return true;
    }
    case Opcode::kI8x16Shuffle: {
      llvm::Value* rhs = pop_lanes('b');
      llvm::Value* lhs = pop_lanes('b');
      int mask[16];
      for (int i = 0; i < 16; ++i) mask[i] = in.v128[i];  // validated: < 32
      push_lanes(b_.CreateShuffleVector(lhs, rhs, mask));
      return true;
    }
    case Opcode::kI8x16Swizzle:
    case Opcode::kI8x16RelaxedSwizzle: {  // relaxed: the same (out-of-range lanes are 0)
      llvm::Value* idx = pop_lanes('b');
      llvm::Value* v = pop_lanes('b');
      push_lanes(swizzle(v, idx));
      return true;
    }
    default:
      break;
  }
  for (const LaneOp& l : kLaneOps) {
    if (l.op != in.op) continue;
    llvm::FixedVectorType* vt = env_.vector_type(l.shape);
    switch (l.kind) {
      case LaneOp::kSplat:
        push_lanes(splat(pop(), l.shape));
        break;
      case LaneOp::kExtract:
        push(b_.CreateExtractElement(pop_lanes(l.shape), uint64_t{in.a}));
        break;
      case LaneOp::kExtractS:
      case LaneOp::kExtractU: {
        llvm::Value* lane = b_.CreateExtractElement(pop_lanes(l.shape), uint64_t{in.a});
        push(l.kind == LaneOp::kExtractS ? b_.CreateSExt(lane, env_.i32)
                                         : b_.CreateZExt(lane, env_.i32));
        break;
      }
      case LaneOp::kReplace: {
        llvm::Value* x = pop();
        if (x->getType() != vt->getElementType()) x = b_.CreateTrunc(x, vt->getElementType());
        push_lanes(b_.CreateInsertElement(pop_lanes(l.shape), x, uint64_t{in.a}));
        break;
      }
    }
    return true;
  }
  return false;
}

bool FunctionEmitter::simd_bitwise(const Instr& in) {
  llvm::Value *a, *b, *c;
  switch (in.op) {
    case Opcode::kV128Not:
      push(b_.CreateNot(pop()));
      return true;
    case Opcode::kV128And:
    case Opcode::kV128Andnot:
    case Opcode::kV128Or:
    case Opcode::kV128Xor:
      b = pop();
      a = pop();
      push(in.op == Opcode::kV128And      ? b_.CreateAnd(a, b)
           : in.op == Opcode::kV128Andnot ? b_.CreateAnd(a, b_.CreateNot(b))
           : in.op == Opcode::kV128Or     ? b_.CreateOr(a, b)
                                          : b_.CreateXor(a, b));
      return true;
    case Opcode::kV128Bitselect:
    case Opcode::kI8x16RelaxedLaneselect:  // relaxed: every bit chosen by the mask (bitselect)
    case Opcode::kI16x8RelaxedLaneselect:
    case Opcode::kI32x4RelaxedLaneselect:
    case Opcode::kI64x2RelaxedLaneselect:
      c = pop();
      b = pop();
      a = pop();
      push(b_.CreateOr(b_.CreateAnd(a, c), b_.CreateAnd(b, b_.CreateNot(c))));
      return true;
    case Opcode::kV128AnyTrue:
      a = b_.CreateBitCast(pop(), b_.getInt128Ty());
      push(b_.CreateZExt(b_.CreateICmpNE(a, b_.getIntN(128, 0)), env_.i32));
      return true;
    default:
      return false;
  }
}

}  // namespace ws::engine::codegen
