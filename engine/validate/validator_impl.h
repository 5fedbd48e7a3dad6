// Internal: module context and the function-body validator shared by the validate/*.cpp files.
#pragma once

#include <string>
#include <vector>

#include "engine/ast/instr.h"
#include "engine/ast/module.h"
#include "engine/decode/instr_reader.h"
#include "engine/validate/validator.h"

namespace ws::engine::detail {

// The first validation error: byte offset and message (spec wording first).
struct VError {
  bool set = false;
  size_t offset = 0;
  std::string message;
};

// Validates one function body (spec appendix algorithm with a side table).
class FuncValidator {
 public:
  FuncValidator(const Module& m, const ModuleInfo& mi, const InstrContext& ctx)
      : m_(m), mi_(mi), ctx_(ctx) {}

  bool run(uint32_t func_index, FunctionInfo& out, VError& err);

 private:
  struct Ctrl {
    Opcode op;
    bool unreachable;
    ValType single;       // the result of a one-value block type
    uint32_t type_index;  // block type index, or kNoType
    uint32_t num_params;
    uint32_t num_results;
    uint32_t height;
    uint32_t block;  // index into FunctionInfo::blocks
  };
  static constexpr uint32_t kNoType = UINT32_MAX;

  bool instr(const Instr& in);
  bool simple(const Instr& in, const SigInfo& sig);
  bool control(const Instr& in);
  bool end_or_else(const Instr& in);
  bool branch(const Instr& in);
  bool br_table(const Instr& in);
  bool call(const Instr& in);
  bool parametric(const Instr& in);
  bool variable(const Instr& in);
  bool memory(const Instr& in);
  bool bulk_memory(const Instr& in);
  bool table(const Instr& in);
  bool reference(const Instr& in);
  bool lane(const Instr& in);

  // Operand stack.
  void push(ValType t) {
    vals_.push_back(t);
    if (vals_.size() > max_stack_) max_stack_ = static_cast<uint32_t>(vals_.size());
  }
  bool pop(ValType expected) {
    if (vals_.size() > ctrls_.back().height && vals_.back() == expected) {
      vals_.pop_back();
      return true;
    }
    ValType got;
    return pop_slow(expected, got);
  }
  bool pop_any(ValType& got) { return pop_slow(ValType::kBottom, got); }
  bool pop_slow(ValType expected, ValType& got);
  bool pop_values(const ValType* types, uint32_t n);
  void push_values(const ValType* types, uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) push(types[i]);
  }

  // Control stack.
  bool push_ctrl(Opcode op, const BlockType& bt, uint32_t block);
  const ValType* params_of(const Ctrl& c) const;
  const ValType* results_of(const Ctrl& c) const;
  const ValType* label_types(const Ctrl& c, uint32_t& n) const;
  void set_unreachable() {
    vals_.resize(ctrls_.back().height);
    ctrls_.back().unreachable = true;
  }

  bool fail(std::string reason, std::string detail = {});
  bool mismatch(ValType expected, ValType got);
  bool memory_type(uint32_t index, ValType& addr);
  bool check_table(uint32_t index, ValType& elem);

  const Module& m_;
  const ModuleInfo& mi_;
  const InstrContext& ctx_;
  VError* err_ = nullptr;
  FunctionInfo* out_ = nullptr;
  size_t at_ = 0;  // offset of the instruction being checked
  uint32_t max_stack_ = 0;
  std::vector<ValType> locals_;
  std::vector<ValType> vals_;
  std::vector<Ctrl> ctrls_;
  std::vector<uint32_t> targets_;
  std::vector<ValType> popped_;  // br_table scratch
  const FuncType* func_type_ = nullptr;
};

// Checks a constant expression of type `expected`; records ref.func targets in `refs` when set.
bool validate_const_expr(const Module& m, const InstrContext& ctx, ConstExpr e, ValType expected,
                         std::vector<bool>* refs, VError& err);

std::string type_name(ValType t);

}  // namespace ws::engine::detail
