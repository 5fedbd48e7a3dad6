// Conversions: wrap/extend, trapping and saturating float-to-int, int-to-float, reinterpret.
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {

// Float-to-int that traps: NaN is "invalid conversion", a value whose truncation does not fit
// is "integer overflow". The bounds are exclusive and exact in the source type.
llvm::Value* FunctionEmitter::trunc_checked(llvm::Value* x, llvm::Type* to, bool is_signed) {
  const llvm::fltSemantics& sem = x->getType()->getFltSemantics();
  unsigned bits = to->getIntegerBitWidth();
  llvm::APInt lo_int =
      is_signed ? -llvm::APInt::getOneBitSet(128, bits - 1) - 1 : llvm::APInt(128, -1, true);
  llvm::APInt hi_int =
      is_signed ? llvm::APInt::getOneBitSet(128, bits - 1) : llvm::APInt::getOneBitSet(128, bits);
  llvm::APFloat lo(sem), hi(sem);
  lo.convertFromAPInt(lo_int, true, llvm::APFloat::rmTowardNegative);
  hi.convertFromAPInt(hi_int, true, llvm::APFloat::rmTowardPositive);
  trap_if(b_.CreateFCmpUNO(x, x), TrapCode::kInvalidConversion);
  llvm::Value* in_range =
      b_.CreateAnd(b_.CreateFCmpOGT(x, llvm::ConstantFP::get(x->getType(), lo)),
                   b_.CreateFCmpOLT(x, llvm::ConstantFP::get(x->getType(), hi)));
  trap_if(b_.CreateNot(in_range), TrapCode::kIntegerOverflow);
  return is_signed ? b_.CreateFPToSI(x, to) : b_.CreateFPToUI(x, to);
}

absl::Status FunctionEmitter::conversion(const Instr& in) {
  llvm::Value* x = pop();
  llvm::Type* i32 = env_.i32;
  llvm::Type* i64 = env_.i64;
  llvm::Type* f32 = env_.f32;
  llvm::Type* f64 = env_.f64;
  auto sat = [&](llvm::Intrinsic::ID id, llvm::Type* to) {
    return b_.CreateIntrinsic(id, {to, x->getType()}, {x});
  };
  auto sext_from = [&](llvm::Type* narrow) {
    return b_.CreateSExt(b_.CreateTrunc(x, narrow), x->getType());
  };
  llvm::Value* r = nullptr;
  switch (in.op) {
    case Opcode::kI32WrapI64:
      r = b_.CreateTrunc(x, i32);
      break;
    case Opcode::kI64ExtendI32S:
      r = b_.CreateSExt(x, i64);
      break;
    case Opcode::kI64ExtendI32U:
      r = b_.CreateZExt(x, i64);
      break;
    case Opcode::kI32TruncF32S:
    case Opcode::kI32TruncF64S:
      r = trunc_checked(x, i32, true);
      break;
    case Opcode::kI32TruncF32U:
    case Opcode::kI32TruncF64U:
      r = trunc_checked(x, i32, false);
      break;
    case Opcode::kI64TruncF32S:
    case Opcode::kI64TruncF64S:
      r = trunc_checked(x, i64, true);
      break;
    case Opcode::kI64TruncF32U:
    case Opcode::kI64TruncF64U:
      r = trunc_checked(x, i64, false);
      break;
    case Opcode::kI32TruncSatF32S:
    case Opcode::kI32TruncSatF64S:
      r = sat(llvm::Intrinsic::fptosi_sat, i32);
      break;
    case Opcode::kI32TruncSatF32U:
    case Opcode::kI32TruncSatF64U:
      r = sat(llvm::Intrinsic::fptoui_sat, i32);
      break;
    case Opcode::kI64TruncSatF32S:
    case Opcode::kI64TruncSatF64S:
      r = sat(llvm::Intrinsic::fptosi_sat, i64);
      break;
    case Opcode::kI64TruncSatF32U:
    case Opcode::kI64TruncSatF64U:
      r = sat(llvm::Intrinsic::fptoui_sat, i64);
      break;
    case Opcode::kF32ConvertI32S:
    case Opcode::kF32ConvertI64S:
      r = b_.CreateSIToFP(x, f32);
      break;
    case Opcode::kF32ConvertI32U:
    case Opcode::kF32ConvertI64U:
      r = b_.CreateUIToFP(x, f32);
      break;
    case Opcode::kF64ConvertI32S:
    case Opcode::kF64ConvertI64S:
      r = b_.CreateSIToFP(x, f64);
      break;
    case Opcode::kF64ConvertI32U:
    case Opcode::kF64ConvertI64U:
      r = b_.CreateUIToFP(x, f64);
      break;
    case Opcode::kF32DemoteF64:
      r = b_.CreateFPTrunc(x, f32);
      if (llvm::isa<llvm::FPExtInst>(x)) {  // demote(promote(y)) must still quiet a NaN
        r = b_.CreateSelect(b_.CreateFCmpUNO(x, x), b_.CreateFPTrunc(b_.CreateFAdd(x, x), f32), r);
      }
      break;
    case Opcode::kF64PromoteF32:
      r = b_.CreateFPExt(x, f64);
      break;
    case Opcode::kI32ReinterpretF32:
      r = b_.CreateBitCast(x, i32);
      break;
    case Opcode::kI64ReinterpretF64:
      r = b_.CreateBitCast(x, i64);
      break;
    case Opcode::kF32ReinterpretI32:
      r = b_.CreateBitCast(x, f32);
      break;
    case Opcode::kF64ReinterpretI64:
      r = b_.CreateBitCast(x, f64);
      break;
    case Opcode::kI32Extend8S:
    case Opcode::kI64Extend8S:
      r = sext_from(env_.i8);
      break;
    case Opcode::kI32Extend16S:
    case Opcode::kI64Extend16S:
      r = sext_from(env_.i16);
      break;
    case Opcode::kI64Extend32S:
      r = sext_from(env_.i32);
      break;
    default:
      return absl::UnimplementedError(std::string("codegen: ") + to_string(in.op));
  }
  push(r);
  return absl::OkStatus();
}

}  // namespace ws::engine::codegen
