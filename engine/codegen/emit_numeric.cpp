// Numeric instructions with the spec's semantics: integer traps, shifts modulo width, IEEE
// min/max/nearest, and comparisons producing i32.
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {
namespace {

using llvm::CmpInst;
using llvm::Intrinsic::ID;

struct Cmp {
  Opcode op;
  CmpInst::Predicate pred;
};

constexpr Cmp kCompares[] = {
    {Opcode::kI32Eq, CmpInst::ICMP_EQ},   {Opcode::kI32Ne, CmpInst::ICMP_NE},
    {Opcode::kI32LtS, CmpInst::ICMP_SLT}, {Opcode::kI32LtU, CmpInst::ICMP_ULT},
    {Opcode::kI32GtS, CmpInst::ICMP_SGT}, {Opcode::kI32GtU, CmpInst::ICMP_UGT},
    {Opcode::kI32LeS, CmpInst::ICMP_SLE}, {Opcode::kI32LeU, CmpInst::ICMP_ULE},
    {Opcode::kI32GeS, CmpInst::ICMP_SGE}, {Opcode::kI32GeU, CmpInst::ICMP_UGE},
    {Opcode::kI64Eq, CmpInst::ICMP_EQ},   {Opcode::kI64Ne, CmpInst::ICMP_NE},
    {Opcode::kI64LtS, CmpInst::ICMP_SLT}, {Opcode::kI64LtU, CmpInst::ICMP_ULT},
    {Opcode::kI64GtS, CmpInst::ICMP_SGT}, {Opcode::kI64GtU, CmpInst::ICMP_UGT},
    {Opcode::kI64LeS, CmpInst::ICMP_SLE}, {Opcode::kI64LeU, CmpInst::ICMP_ULE},
    {Opcode::kI64GeS, CmpInst::ICMP_SGE}, {Opcode::kI64GeU, CmpInst::ICMP_UGE},
    {Opcode::kF32Eq, CmpInst::FCMP_OEQ},  {Opcode::kF32Ne, CmpInst::FCMP_UNE},
    {Opcode::kF32Lt, CmpInst::FCMP_OLT},  {Opcode::kF32Gt, CmpInst::FCMP_OGT},
    {Opcode::kF32Le, CmpInst::FCMP_OLE},  {Opcode::kF32Ge, CmpInst::FCMP_OGE},
    {Opcode::kF64Eq, CmpInst::FCMP_OEQ},  {Opcode::kF64Ne, CmpInst::FCMP_UNE},
    {Opcode::kF64Lt, CmpInst::FCMP_OLT},  {Opcode::kF64Gt, CmpInst::FCMP_OGT},
    {Opcode::kF64Le, CmpInst::FCMP_OLE},  {Opcode::kF64Ge, CmpInst::FCMP_OGE},
};

struct Unary {
  Opcode op;
  ID id;
};

constexpr Unary kFloatUnary[] = {
    {Opcode::kF32Abs, llvm::Intrinsic::fabs},
    {Opcode::kF64Abs, llvm::Intrinsic::fabs},
    {Opcode::kF32Ceil, llvm::Intrinsic::ceil},
    {Opcode::kF64Ceil, llvm::Intrinsic::ceil},
    {Opcode::kF32Floor, llvm::Intrinsic::floor},
    {Opcode::kF64Floor, llvm::Intrinsic::floor},
    {Opcode::kF32Trunc, llvm::Intrinsic::trunc},
    {Opcode::kF64Trunc, llvm::Intrinsic::trunc},
    {Opcode::kF32Nearest, llvm::Intrinsic::roundeven},
    {Opcode::kF64Nearest, llvm::Intrinsic::roundeven},
    {Opcode::kF32Sqrt, llvm::Intrinsic::sqrt},
    {Opcode::kF64Sqrt, llvm::Intrinsic::sqrt},
};

}  // namespace

absl::Status FunctionEmitter::numeric(const Instr& in) {
  for (const Cmp& c : kCompares) {
    if (c.op != in.op) continue;
    llvm::Value* rhs = pop();
    llvm::Value* lhs = pop();
    push(b_.CreateZExt(b_.CreateCmp(c.pred, lhs, rhs), env_.i32));
    return absl::OkStatus();
  }
  for (const Unary& u : kFloatUnary) {
    if (u.op != in.op) continue;
    llvm::Value* x = pop();
    push(b_.CreateUnaryIntrinsic(u.id, x));
    return absl::OkStatus();
  }
  llvm::Value* x;
  switch (in.op) {
    case Opcode::kI32Eqz:
    case Opcode::kI64Eqz:
      x = pop();
      push(b_.CreateZExt(b_.CreateICmpEQ(x, llvm::ConstantInt::get(x->getType(), 0)), env_.i32));
      return absl::OkStatus();
    case Opcode::kI32Clz:
    case Opcode::kI64Clz:
      x = pop();
      push(b_.CreateBinaryIntrinsic(llvm::Intrinsic::ctlz, x, b_.getFalse()));
      return absl::OkStatus();
    case Opcode::kI32Ctz:
    case Opcode::kI64Ctz:
      x = pop();
      push(b_.CreateBinaryIntrinsic(llvm::Intrinsic::cttz, x, b_.getFalse()));
      return absl::OkStatus();
    case Opcode::kI32Popcnt:
    case Opcode::kI64Popcnt:
      x = pop();
      push(b_.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, x));
      return absl::OkStatus();
    case Opcode::kF32Neg:
    case Opcode::kF64Neg:
      push(b_.CreateFNeg(pop()));
      return absl::OkStatus();
    default:
      break;
  }
  Sig sig = info(in.op).sig;
  if (sig == Sig::kII_I || sig == Sig::kLL_L || sig == Sig::kFF_F || sig == Sig::kDD_D) {
    llvm::Value* rhs = pop();
    llvm::Value* lhs = pop();
    llvm::Value* r = binary(in.op, lhs, rhs);
    if (is_float_arith(in.op)) r = quiet_nan_result(lhs, rhs, r);
    push(r);
    return absl::OkStatus();
  }
  return conversion(in);
}

llvm::Value* FunctionEmitter::binary(Opcode op, llvm::Value* lhs, llvm::Value* rhs) {
  llvm::Type* t = lhs->getType();
  unsigned bits = t->isIntegerTy() ? t->getIntegerBitWidth() : 0;
  auto mask = [&](llvm::Value* n) { return b_.CreateAnd(n, llvm::ConstantInt::get(t, bits - 1)); };
  switch (op) {
    case Opcode::kI32Add:
    case Opcode::kI64Add:
      return b_.CreateAdd(lhs, rhs);
    case Opcode::kI32Sub:
    case Opcode::kI64Sub:
      return b_.CreateSub(lhs, rhs);
    case Opcode::kI32Mul:
    case Opcode::kI64Mul:
      return b_.CreateMul(lhs, rhs);
    case Opcode::kI32DivS:
    case Opcode::kI64DivS:
    case Opcode::kI32DivU:
    case Opcode::kI64DivU:
    case Opcode::kI32RemS:
    case Opcode::kI64RemS:
    case Opcode::kI32RemU:
    case Opcode::kI64RemU:
      return divide(op, lhs, rhs);
    case Opcode::kI32And:
    case Opcode::kI64And:
      return b_.CreateAnd(lhs, rhs);
    case Opcode::kI32Or:
    case Opcode::kI64Or:
      return b_.CreateOr(lhs, rhs);
    case Opcode::kI32Xor:
    case Opcode::kI64Xor:
      return b_.CreateXor(lhs, rhs);
    case Opcode::kI32Shl:
    case Opcode::kI64Shl:
      return b_.CreateShl(lhs, mask(rhs));
    case Opcode::kI32ShrS:
    case Opcode::kI64ShrS:
      return b_.CreateAShr(lhs, mask(rhs));
    case Opcode::kI32ShrU:
    case Opcode::kI64ShrU:
      return b_.CreateLShr(lhs, mask(rhs));
    case Opcode::kI32Rotl:
    case Opcode::kI64Rotl:
      return b_.CreateIntrinsic(llvm::Intrinsic::fshl, {t}, {lhs, lhs, rhs});
    case Opcode::kI32Rotr:
    case Opcode::kI64Rotr:
      return b_.CreateIntrinsic(llvm::Intrinsic::fshr, {t}, {lhs, lhs, rhs});
    case Opcode::kF32Add:
    case Opcode::kF64Add:
      return b_.CreateFAdd(lhs, rhs);
    case Opcode::kF32Sub:
    case Opcode::kF64Sub:
      return b_.CreateFSub(lhs, rhs);
    case Opcode::kF32Mul:
    case Opcode::kF64Mul:
      return b_.CreateFMul(lhs, rhs);
    case Opcode::kF32Div:
    case Opcode::kF64Div:
      return b_.CreateFDiv(lhs, rhs);
    case Opcode::kF32Min:
    case Opcode::kF64Min:
    case Opcode::kF32Max:
    case Opcode::kF64Max: {
      // IEEE minimum/maximum, but a NaN result must be quiet: a + b quiets it.
      bool is_min = op == Opcode::kF32Min || op == Opcode::kF64Min;
      llvm::Value* r = b_.CreateBinaryIntrinsic(
          is_min ? llvm::Intrinsic::minimum : llvm::Intrinsic::maximum, lhs, rhs);
      return b_.CreateSelect(b_.CreateFCmpUNO(lhs, rhs), b_.CreateFAdd(lhs, rhs), r);
    }
    case Opcode::kF32Copysign:
    case Opcode::kF64Copysign:
      return b_.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, lhs, rhs);
    default:
      return nullptr;
  }
}

// LLVM folds x * 1.0, x / -1.0, x - 0.0, -0.0 - x and the like to x or -x, which would pass a
// signalling NaN through unquieted; Wasm wants an arithmetic NaN. Those folds (InstSimplify,
// InstCombine, the DAG combiner) need a constant operand of +-0 or +-1: with such a constant, a
// NaN in the other operand takes the x + x path, which quiets it (LLVM does not fold x + x
// away). Any other constant leaves a real add, sub, mul or div, which the hardware quiets, so
// the common x * 0.5 or dt / x costs no compare and select.
llvm::Value* FunctionEmitter::quiet_nan_result(llvm::Value* lhs, llvm::Value* rhs, llvm::Value* r) {
  bool lc = llvm::isa<llvm::Constant>(lhs), rc = llvm::isa<llvm::Constant>(rhs);
  if (lc == rc) return r;  // both constant: folded exactly; neither: the hardware quiets
  llvm::Value* c = lc ? lhs : rhs;
  llvm::Value* x = lc ? rhs : lhs;
  auto* cf = llvm::dyn_cast<llvm::ConstantFP>(c);
  if (cf && cf->isNaN()) {
    llvm::APFloat q = cf->getValueAPF();
    if (q.isSignaling()) q = llvm::APFloat::getQNaN(q.getSemantics(), q.isNegative());
    return llvm::ConstantFP::get(env_.ctx, q);
  }
  if (cf && !cf->isZero() && !cf->isExactlyValue(1.0) && !cf->isExactlyValue(-1.0)) return r;
  return b_.CreateSelect(b_.CreateFCmpUNO(x, x), b_.CreateFAdd(x, x), r);
}

// Division traps on a zero divisor, and signed division on MIN / -1; rem_s of MIN by -1 is 0.
llvm::Value* FunctionEmitter::divide(Opcode op, llvm::Value* lhs, llvm::Value* rhs) {
  llvm::Type* t = lhs->getType();
  llvm::Value* zero = llvm::ConstantInt::get(t, 0);
  llvm::Value* minus_one = llvm::ConstantInt::getSigned(t, -1);
  trap_if(b_.CreateICmpEQ(rhs, zero), TrapCode::kIntegerDivideByZero);
  switch (op) {
    case Opcode::kI32DivS:
    case Opcode::kI64DivS: {
      llvm::Value* min =
          llvm::ConstantInt::get(t, llvm::APInt::getSignedMinValue(t->getIntegerBitWidth()));
      trap_if(b_.CreateAnd(b_.CreateICmpEQ(lhs, min), b_.CreateICmpEQ(rhs, minus_one)),
              TrapCode::kIntegerOverflow);
      return b_.CreateSDiv(lhs, rhs);
    }
    case Opcode::kI32DivU:
    case Opcode::kI64DivU:
      return b_.CreateUDiv(lhs, rhs);
    case Opcode::kI32RemS:
    case Opcode::kI64RemS: {
      llvm::Value* safe =
          b_.CreateSelect(b_.CreateICmpEQ(rhs, minus_one), llvm::ConstantInt::get(t, 1), rhs);
      return b_.CreateSRem(lhs, safe);
    }
    default:
      return b_.CreateURem(lhs, rhs);
  }
}

}  // namespace ws::engine::codegen
