// Linear memory: loads and stores (guard pages for 32-bit memories, explicit checks for
// memory64), memory.size/grow, and the bulk-memory instructions through runtime calls.
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {
namespace {

struct Access {
  Opcode op;
  char mem;    // in-memory type: b(8) h(16) i(32) l(64) f d
  char value;  // value type: i l f d
  bool sign;   // sign-extend narrow loads
  bool store;
};

constexpr Access kAccesses[] = {
    {Opcode::kI32Load, 'i', 'i', false, false},   {Opcode::kI64Load, 'l', 'l', false, false},
    {Opcode::kF32Load, 'f', 'f', false, false},   {Opcode::kF64Load, 'd', 'd', false, false},
    {Opcode::kI32Load8S, 'b', 'i', true, false},  {Opcode::kI32Load8U, 'b', 'i', false, false},
    {Opcode::kI32Load16S, 'h', 'i', true, false}, {Opcode::kI32Load16U, 'h', 'i', false, false},
    {Opcode::kI64Load8S, 'b', 'l', true, false},  {Opcode::kI64Load8U, 'b', 'l', false, false},
    {Opcode::kI64Load16S, 'h', 'l', true, false}, {Opcode::kI64Load16U, 'h', 'l', false, false},
    {Opcode::kI64Load32S, 'i', 'l', true, false}, {Opcode::kI64Load32U, 'i', 'l', false, false},
    {Opcode::kI32Store, 'i', 'i', false, true},   {Opcode::kI64Store, 'l', 'l', false, true},
    {Opcode::kF32Store, 'f', 'f', false, true},   {Opcode::kF64Store, 'd', 'd', false, true},
    {Opcode::kI32Store8, 'b', 'i', false, true},  {Opcode::kI32Store16, 'h', 'i', false, true},
    {Opcode::kI64Store8, 'b', 'l', false, true},  {Opcode::kI64Store16, 'h', 'l', false, true},
    {Opcode::kI64Store32, 'i', 'l', false, true},
};

}  // namespace

llvm::Value* FunctionEmitter::index_operand(uint32_t memory, llvm::Value* v) {
  return env_.m.memories[memory].limits.is64 ? v : b_.CreateZExt(v, env_.i64);
}

llvm::Value* FunctionEmitter::effective_address(const MemArg& mem, llvm::Value* addr,
                                                uint32_t bytes) {
  llvm::Value* base = memory_base(mem.memory);
  llvm::Value* offset = b_.getInt64(mem.offset);
  if (!env_.m.memories[mem.memory].limits.is64) {
    // zext(addr) + offset < 2^33 stays inside the reservation: the guard pages do the check.
    return b_.CreateGEP(env_.i8, base, b_.CreateAdd(b_.CreateZExt(addr, env_.i64), offset));
  }
  llvm::Value* sum = b_.CreateBinaryIntrinsic(llvm::Intrinsic::uadd_with_overflow, addr, offset);
  llvm::Value* ea = b_.CreateExtractValue(sum, 0);
  llvm::Value* end =
      b_.CreateBinaryIntrinsic(llvm::Intrinsic::uadd_with_overflow, ea, b_.getInt64(bytes));
  llvm::Value* size =
      load_field(memory_record(mem.memory), abi::kMemorySizeOffset, env_.i64, false, "memsize");
  llvm::Value* bad =
      b_.CreateOr(b_.CreateOr(b_.CreateExtractValue(sum, 1), b_.CreateExtractValue(end, 1)),
                  b_.CreateICmpUGT(b_.CreateExtractValue(end, 0), size));
  trap_if(bad, TrapCode::kOutOfBoundsMemory);
  return b_.CreateGEP(env_.i8, base, ea);
}

absl::Status FunctionEmitter::memory(const Instr& in) {
  if (in.op == Opcode::kMemorySize || in.op == Opcode::kMemoryGrow) {
    bool is64 = env_.m.memories[in.a].limits.is64;
    llvm::Value* r;
    if (in.op == Opcode::kMemorySize) {
      llvm::Value* size =
          load_field(memory_record(in.a), abi::kMemorySizeOffset, env_.i64, false, "memsize");
      r = b_.CreateLShr(size, 16);
    } else {
      llvm::Value* delta = index_operand(in.a, pop());
      r = call_intrinsic(IntrinsicId::kMemoryGrow, {b_.getInt32(in.a), delta});
    }
    push(is64 ? r : b_.CreateTrunc(r, env_.i32));
    return absl::OkStatus();
  }
  for (const Access& a : kAccesses) {
    if (a.op != in.op) continue;
    llvm::Type* mt = env_.letter_type(a.mem);
    llvm::Type* vt = env_.letter_type(a.value);
    uint32_t bytes = static_cast<uint32_t>(mt->getPrimitiveSizeInBits() / 8);
    if (a.store) {
      llvm::Value* v = pop();
      llvm::Value* p = effective_address(in.mem, pop(), bytes);
      if (mt != vt) v = b_.CreateTrunc(v, mt);
      b_.CreateAlignedStore(v, p, llvm::Align(1));
    } else {
      llvm::Value* p = effective_address(in.mem, pop(), bytes);
      llvm::Value* v = b_.CreateAlignedLoad(mt, p, llvm::Align(1));
      if (mt != vt) v = a.sign ? b_.CreateSExt(v, vt) : b_.CreateZExt(v, vt);
      push(v);
    }
    return absl::OkStatus();
  }
  return absl::UnimplementedError(std::string("codegen: ") + to_string(in.op));
}

absl::Status FunctionEmitter::bulk(const Instr& in) {
  switch (in.op) {
    case Opcode::kMemoryInit: {
      llvm::Value* n = pop();
      llvm::Value* src = pop();
      llvm::Value* dst = index_operand(in.b, pop());
      call_intrinsic(IntrinsicId::kMemoryInit, {b_.getInt32(in.b), b_.getInt32(in.a), dst, src, n});
      break;
    }
    case Opcode::kDataDrop:
      call_intrinsic(IntrinsicId::kDataDrop, {b_.getInt32(in.a)});
      break;
    case Opcode::kMemoryCopy: {
      bool both64 = env_.m.memories[in.a].limits.is64 && env_.m.memories[in.b].limits.is64;
      llvm::Value* n = pop();
      if (!both64) n = b_.CreateZExt(n, env_.i64);
      llvm::Value* src = index_operand(in.b, pop());
      llvm::Value* dst = index_operand(in.a, pop());
      call_intrinsic(IntrinsicId::kMemoryCopy, {b_.getInt32(in.a), b_.getInt32(in.b), dst, src, n});
      break;
    }
    case Opcode::kMemoryFill: {
      llvm::Value* n = index_operand(in.a, pop());
      llvm::Value* val = pop();
      llvm::Value* dst = index_operand(in.a, pop());
      call_intrinsic(IntrinsicId::kMemoryFill, {b_.getInt32(in.a), dst, val, n});
      break;
    }
    default:
      return absl::UnimplementedError(std::string("codegen: ") + to_string(in.op));
  }
  return absl::OkStatus();
}

}  // namespace ws::engine::codegen
