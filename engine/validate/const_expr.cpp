// Constant expressions: global initialisers and segment offsets and elements.
#include "absl/strings/str_cat.h"
#include "engine/validate/validator_impl.h"

namespace ws::engine::detail {
namespace {

bool fail(VError& err, size_t at, std::string msg) {
  if (!err.set) err = VError{true, at, std::move(msg)};
  return false;
}

bool is_extended_op(Opcode op) {
  switch (op) {
    case Opcode::kI32Add:
    case Opcode::kI32Sub:
    case Opcode::kI32Mul:
    case Opcode::kI64Add:
    case Opcode::kI64Sub:
    case Opcode::kI64Mul:
      return true;
    default:
      return false;
  }
}

}  // namespace

// Wasm 2.0: constants, ref.null, ref.func and global.get of an immutable imported global;
// extended-const adds i32/i64 add, sub and mul.
bool validate_const_expr(const Module& m, const InstrContext& ctx, ConstExpr e, ValType expected,
                         std::vector<bool>* refs, VError& err) {
  InstrReader ir(m, e, ctx);
  std::vector<ValType> stack;
  Instr in;
  while (ir.next(in)) {
    const OpcodeInfo& oi = info(in.op);
    switch (in.op) {
      case Opcode::kEnd:
        if (stack.size() != 1 || stack[0] != expected) {
          return fail(err, in.offset,
                      absl::StrCat("type mismatch: constant expression must produce ",
                                   type_name(expected)));
        }
        return true;
      case Opcode::kI32Const:
      case Opcode::kI64Const:
      case Opcode::kF32Const:
      case Opcode::kF64Const:
      case Opcode::kV128Const:
        stack.push_back(kSigInfo[static_cast<int>(oi.sig)].result);
        break;
      case Opcode::kRefNull:
        stack.push_back(in.type);
        break;
      case Opcode::kRefFunc:
        if (in.a >= m.functions.size()) {
          return fail(err, in.offset, absl::StrCat("unknown function ", in.a));
        }
        if (refs) (*refs)[in.a] = true;
        stack.push_back(ValType::kFuncRef);
        break;
      case Opcode::kGlobalGet:
        if (in.a >= m.num_imported_globals) {
          return fail(err, in.offset, absl::StrCat("unknown global ", in.a));
        }
        if (m.globals[in.a].type.mut) {
          return fail(err, in.offset, "constant expression required: global is mutable");
        }
        stack.push_back(m.globals[in.a].type.type);
        break;
      default: {
        if (!ctx.features.extended_const || !is_extended_op(in.op)) {
          return fail(err, in.offset,
                      absl::StrCat("constant expression required: ", to_string(in.op)));
        }
        ValType t = kSigInfo[static_cast<int>(oi.sig)].result;
        if (stack.size() < 2 || stack[stack.size() - 1] != t || stack[stack.size() - 2] != t) {
          return fail(err, in.offset, absl::StrCat("type mismatch: ", to_string(in.op)));
        }
        stack.pop_back();
        break;
      }
    }
  }
  return fail(err, ir.reader().error_offset(), ir.reader().error());
}

}  // namespace ws::engine::detail
