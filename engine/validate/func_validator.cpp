// Function bodies: operand and control stacks as in the spec's validation algorithm.
#include "absl/strings/str_cat.h"
#include "engine/validate/validator_impl.h"

namespace ws::engine::detail {

std::string type_name(ValType t) {
  return t == ValType::kBottom ? std::string("nothing") : std::string(to_string(t));
}

bool FuncValidator::fail(std::string reason, std::string detail) {
  if (!err_->set) {
    err_->set = true;
    err_->offset = at_;
    err_->message = detail.empty() ? std::move(reason) : absl::StrCat(reason, ": ", detail);
  }
  return false;
}

bool FuncValidator::mismatch(ValType expected, ValType got) {
  std::string want = expected == ValType::kBottom ? "a value" : type_name(expected);
  return fail("type mismatch", absl::StrCat("expected ", want, ", got ", type_name(got)));
}

bool FuncValidator::pop_slow(ValType expected, ValType& got) {
  const Ctrl& c = ctrls_.back();
  if (vals_.size() == c.height) {
    if (c.unreachable) {
      got = ValType::kBottom;
      return true;
    }
    return mismatch(expected, ValType::kBottom);
  }
  got = vals_.back();
  vals_.pop_back();
  if (got != expected && got != ValType::kBottom && expected != ValType::kBottom) {
    return mismatch(expected, got);
  }
  return true;
}

bool FuncValidator::pop_values(const ValType* types, uint32_t n) {
  for (uint32_t i = n; i > 0; --i) {
    if (!pop(types[i - 1])) return false;
  }
  return true;
}

const ValType* FuncValidator::params_of(const Ctrl& c) const {
  return c.type_index == kNoType ? nullptr : m_.types[c.type_index].params();
}

const ValType* FuncValidator::results_of(const Ctrl& c) const {
  return c.type_index == kNoType ? &c.single : m_.types[c.type_index].results();
}

const ValType* FuncValidator::label_types(const Ctrl& c, uint32_t& n) const {
  if (c.op == Opcode::kLoop) {
    n = c.num_params;
    return params_of(c);
  }
  n = c.num_results;
  return results_of(c);
}

bool FuncValidator::push_ctrl(Opcode op, const BlockType& bt, uint32_t block) {
  Ctrl c{op, false, ValType::kBottom, kNoType, 0, 0, 0, block};
  if (bt.kind == BlockType::kValue) {
    c.single = bt.value;
    c.num_results = 1;
  } else if (bt.kind == BlockType::kIndex) {
    if (bt.index >= m_.types.size()) return fail(absl::StrCat("unknown type ", bt.index));
    c.type_index = bt.index;
    c.num_params = m_.types[bt.index].num_params;
    c.num_results = m_.types[bt.index].num_results();
  }
  if (!pop_values(params_of(c), c.num_params)) return false;
  c.height = static_cast<uint32_t>(vals_.size());
  ctrls_.push_back(c);
  push_values(params_of(ctrls_.back()), c.num_params);
  return true;
}

bool FuncValidator::run(uint32_t func_index, FunctionInfo& out, VError& err) {
  err_ = &err;
  out_ = &out;
  const Code& code = m_.codes[func_index - m_.num_imported_funcs];
  func_type_ = &m_.func_type(func_index);
  locals_.assign(func_type_->params(), func_type_->params() + func_type_->num_params);
  for (const LocalDecl& d : code.locals) locals_.insert(locals_.end(), d.count, d.type);
  vals_.clear();
  ctrls_.clear();
  max_stack_ = 0;
  ctrls_.push_back(Ctrl{Opcode::kBlock, false, ValType::kBottom, m_.functions[func_index], 0,
                        func_type_->num_results(), 0, UINT32_MAX});
  InstrReader ir(m_, code.body, ctx_);
  Instr in;
  uint32_t count = 0;
  while (!ctrls_.empty()) {
    if (!ir.next(in)) {  // the decoder checked the body; this is defensive
      at_ = ir.reader().error_offset();
      return fail(ir.reader().error());
    }
    at_ = in.offset;
    ++count;
    if (info(in.op).prefix == 0xFD) out.uses_simd = true;
    if (!instr(in)) return false;
  }
  if (!ir.at_end()) {  // only reachable for bodies the decoder framed without scanning
    at_ = ir.reader().offset();
    return fail("section size mismatch", "instructions after the function's final end");
  }
  out.max_stack = max_stack_;
  out.num_instructions = count;
  return true;
}

bool FuncValidator::instr(const Instr& in) {
  const OpcodeInfo& oi = info(in.op);
  if (oi.sig != Sig::kSpecial && oi.imm != Imm::kMemArg && oi.imm != Imm::kMemArgLane &&
      oi.imm != Imm::kLane && oi.imm != Imm::kShuffle) {
    return simple(in, kSigInfo[static_cast<int>(oi.sig)]);
  }
  switch (oi.imm) {
    case Imm::kMemArg:
    case Imm::kMemArgLane:
    case Imm::kMemory:
      return memory(in);
    case Imm::kLane:
    case Imm::kShuffle:
      return lane(in);
    case Imm::kDataMemory:
    case Imm::kData:
    case Imm::kTwoMemories:
      return bulk_memory(in);
    case Imm::kTable:
    case Imm::kTwoTables:
    case Imm::kElemTable:
    case Imm::kElem:
      return table(in);
    case Imm::kLocal:
    case Imm::kGlobal:
      return variable(in);
    case Imm::kFunc:
      return in.op == Opcode::kRefFunc ? reference(in) : call(in);
    case Imm::kCallIndirect:
      return call(in);
    case Imm::kRefType:
      return reference(in);
    case Imm::kSelectT:
      return parametric(in);
    default:
      break;
  }
  switch (in.op) {
    case Opcode::kDrop:
    case Opcode::kSelect:
      return parametric(in);
    case Opcode::kRefIsNull:
      return reference(in);
    default:
      return control(in);
  }
}

bool FuncValidator::simple(const Instr& in, const SigInfo& sig) {
  (void)in;
  for (int i = sig.num_params; i > 0; --i) {
    if (!pop(sig.params[i - 1])) return false;
  }
  if (sig.num_results) push(sig.result);
  return true;
}

}  // namespace ws::engine::detail
