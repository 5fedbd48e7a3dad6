// Control instructions: blocks, branches, returns and calls.
#include "absl/strings/str_cat.h"
#include "engine/validate/validator_impl.h"

namespace ws::engine::detail {

bool FuncValidator::control(const Instr& in) {
  switch (in.op) {
    case Opcode::kUnreachable:
      set_unreachable();
      return true;
    case Opcode::kBlock:
    case Opcode::kLoop:
    case Opcode::kIf: {
      if (in.op == Opcode::kIf && !pop(ValType::kI32)) return false;
      auto block = static_cast<uint32_t>(out_->blocks.size());
      out_->blocks.push_back(BlockInfo{in.offset, 0, 0});
      if (ctrls_.size() > out_->max_depth) out_->max_depth = static_cast<uint32_t>(ctrls_.size());
      return push_ctrl(in.op, in.block, block);
    }
    case Opcode::kElse:
    case Opcode::kEnd:
      return end_or_else(in);
    case Opcode::kBr:
    case Opcode::kBrIf:
      return branch(in);
    case Opcode::kBrTable:
      return br_table(in);
    case Opcode::kReturn:
      if (!pop_values(func_type_->results(), func_type_->num_results())) return false;
      set_unreachable();
      return true;
    default:
      return fail("illegal opcode", std::string(to_string(in.op)));
  }
}

bool FuncValidator::end_or_else(const Instr& in) {
  Ctrl c = ctrls_.back();
  if (in.op == Opcode::kElse && c.op != Opcode::kIf) return fail("else without matching if");
  if (!pop_values(results_of(ctrls_.back()), c.num_results)) return false;
  if (vals_.size() != c.height) {
    return fail("type mismatch",
                absl::StrCat(vals_.size() - c.height, " values remain at end of block"));
  }
  if (in.op == Opcode::kElse) {
    out_->blocks[c.block].else_offset = in.offset;
    ctrls_.back().op = Opcode::kElse;
    ctrls_.back().unreachable = false;
    push_values(params_of(c), c.num_params);
    return true;
  }
  if (c.op == Opcode::kIf) {  // no else: the implicit else passes the params through
    const ValType* p = params_of(c);
    const ValType* r = results_of(ctrls_.back());
    bool same = c.num_params == c.num_results;
    for (uint32_t i = 0; same && i < c.num_params; ++i) same = p[i] == r[i];
    if (!same) return fail("type mismatch", "if without else must not change the stack type");
  }
  if (c.block != UINT32_MAX) out_->blocks[c.block].end = in.offset;
  ctrls_.pop_back();
  if (c.type_index == kNoType) {
    if (c.num_results) push(c.single);
  } else {
    push_values(m_.types[c.type_index].results(), c.num_results);
  }
  return true;
}

bool FuncValidator::branch(const Instr& in) {
  if (in.a >= ctrls_.size()) return fail(absl::StrCat("unknown label ", in.a));
  if (in.op == Opcode::kBrIf && !pop(ValType::kI32)) return false;
  uint32_t n;
  const Ctrl& target = ctrls_[ctrls_.size() - 1 - in.a];
  const ValType* types = label_types(target, n);
  ValType single = target.single;  // `types` may point into ctrls_
  if (target.type_index == kNoType && n == 1) types = &single;
  if (!pop_values(types, n)) return false;
  if (in.op == Opcode::kBr) {
    set_unreachable();
  } else {
    push_values(types, n);
  }
  return true;
}

bool FuncValidator::br_table(const Instr& in) {
  if (!pop(ValType::kI32)) return false;
  targets_.clear();
  br_table_targets(m_, in, targets_);
  uint32_t default_label = targets_.back();
  if (default_label >= ctrls_.size()) return fail(absl::StrCat("unknown label ", default_label));
  uint32_t arity;
  label_types(ctrls_[ctrls_.size() - 1 - default_label], arity);
  for (uint32_t l : targets_) {
    if (l >= ctrls_.size()) return fail(absl::StrCat("unknown label ", l));
    const Ctrl& target = ctrls_[ctrls_.size() - 1 - l];
    uint32_t n;
    const ValType* types = label_types(target, n);
    if (n != arity) return fail("type mismatch", "br_table targets differ in arity");
    // Pop against this label's types, then push back what was popped (the spec's algorithm).
    ValType single = target.single;
    if (target.type_index == kNoType && n == 1) types = &single;
    popped_.resize(n);
    for (uint32_t i = n; i > 0; --i) {
      if (!pop_slow(types[i - 1], popped_[i - 1])) return false;
    }
    for (ValType t : popped_) push(t);
  }
  for (uint32_t i = 0; i < arity; ++i) {
    ValType t;
    if (!pop_any(t)) return false;
  }
  set_unreachable();
  return true;
}

bool FuncValidator::call(const Instr& in) {
  const FuncType* ft;
  if (in.op == Opcode::kCall || in.op == Opcode::kReturnCall) {
    if (in.a >= m_.functions.size()) return fail(absl::StrCat("unknown function ", in.a));
    ft = &m_.func_type(in.a);
  } else {
    ValType elem;
    if (!check_table(in.b, elem)) return false;
    if (elem != ValType::kFuncRef)
      return fail("type mismatch", "call_indirect needs a funcref table");
    if (in.a >= m_.types.size()) return fail(absl::StrCat("unknown type ", in.a));
    ft = &m_.types[in.a];
    if (!pop(ValType::kI32)) return false;
  }
  if (!pop_values(ft->params(), ft->num_params)) return false;
  if (in.op == Opcode::kReturnCall || in.op == Opcode::kReturnCallIndirect) {
    bool same = ft->num_results() == func_type_->num_results();
    for (uint32_t i = 0; same && i < ft->num_results(); ++i) {
      same = ft->result(i) == func_type_->result(i);
    }
    if (!same) return fail("type mismatch", "tail call results differ from the caller's");
    set_unreachable();
    return true;
  }
  push_values(ft->results(), ft->num_results());
  return true;
}

}  // namespace ws::engine::detail
