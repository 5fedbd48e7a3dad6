// A small stack machine over the constant-expression subset of instructions.
#include "engine/runtime/const_expr.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/decode/instr_reader.h"
#include "engine/runtime/value.h"

namespace ws::engine::runtime {
namespace {

template <typename T>
abi::RawValue arith(Opcode op, const abi::RawValue& a, const abi::RawValue& b) {
  // Unsigned arithmetic wraps as Wasm's does.
  T x = raw_as<T>(a), y = raw_as<T>(b);
  switch (op) {
    case Opcode::kI32Add:
    case Opcode::kI64Add:
      return raw_value<T>(x + y);
    case Opcode::kI32Sub:
    case Opcode::kI64Sub:
      return raw_value<T>(x - y);
    default:
      return raw_value<T>(x * y);
  }
}

// Applies one instruction to `stack`; false for an instruction outside the subset.
bool step(const Instr& in, const ConstEnv& env, std::vector<abi::RawValue>& stack) {
  switch (in.op) {
    case Opcode::kI32Const:
      stack.push_back(raw_i32(in.i32));
      return true;
    case Opcode::kI64Const:
      stack.push_back(raw_i64(in.i64));
      return true;
    case Opcode::kF32Const:
      stack.push_back(raw_value<uint32_t>(in.f32));
      return true;
    case Opcode::kF64Const:
      stack.push_back(raw_value<uint64_t>(in.f64));
      return true;
    case Opcode::kV128Const: {
      abi::RawValue v;
      std::memcpy(v.bytes, in.v128, sizeof(v.bytes));
      stack.push_back(v);
      return true;
    }
    case Opcode::kRefNull:
      stack.push_back(raw_ref(nullptr));
      return true;
    case Opcode::kRefFunc:
      if (in.a >= env.funcs.size()) return false;
      stack.push_back(raw_ref(env.funcs[in.a]));
      return true;
    case Opcode::kGlobalGet:
      if (in.a >= env.globals.size()) return false;
      stack.push_back(env.globals[in.a]->value);
      return true;
    case Opcode::kI32Add:
    case Opcode::kI32Sub:
    case Opcode::kI32Mul:
    case Opcode::kI64Add:
    case Opcode::kI64Sub:
    case Opcode::kI64Mul: {
      if (stack.size() < 2) return false;
      abi::RawValue b = stack.back();
      stack.pop_back();
      abi::RawValue& a = stack.back();
      bool is32 = in.op == Opcode::kI32Add || in.op == Opcode::kI32Sub || in.op == Opcode::kI32Mul;
      a = is32 ? arith<uint32_t>(in.op, a, b) : arith<uint64_t>(in.op, a, b);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<abi::RawValue> eval_const_expr(const Module& m, ConstExpr expr,
                                              const ConstEnv& env) {
  InstrContext ctx{m.features};
  InstrReader reader(m, expr, ctx);
  std::vector<abi::RawValue> stack;
  Instr in;
  while (reader.next(in)) {
    if (in.op == Opcode::kEnd) {
      if (stack.size() != 1) break;
      return stack.back();
    }
    if (!step(in, env, stack)) {
      return absl::InternalError(absl::StrCat("constant expression at offset ", in.offset,
                                              ": cannot evaluate ", to_string(in.op)));
    }
  }
  return absl::InternalError(absl::StrCat("malformed constant expression at offset ", expr.offset));
}

}  // namespace ws::engine::runtime
