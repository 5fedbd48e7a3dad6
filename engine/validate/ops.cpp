// Parametric, variable, memory, table, reference and lane instructions.
#include "absl/strings/str_cat.h"
#include "engine/validate/validator_impl.h"

namespace ws::engine::detail {

bool FuncValidator::memory_type(uint32_t index, ValType& addr) {
  if (index >= m_.memories.size()) return fail(absl::StrCat("unknown memory ", index));
  addr = m_.memories[index].limits.is64 ? ValType::kI64 : ValType::kI32;
  return true;
}

bool FuncValidator::check_table(uint32_t index, ValType& elem) {
  if (index >= m_.tables.size()) return fail(absl::StrCat("unknown table ", index));
  elem = m_.tables[index].elem;
  return true;
}

bool FuncValidator::parametric(const Instr& in) {
  ValType t1, t2;
  if (in.op == Opcode::kDrop) return pop_any(t1);
  if (in.op == Opcode::kSelectT) {
    if (in.a != 1) return fail("invalid result arity", "select takes exactly one type");
    if (!pop(ValType::kI32) || !pop(in.type) || !pop(in.type)) return false;
    push(in.type);
    return true;
  }
  if (!pop(ValType::kI32) || !pop_any(t1) || !pop_any(t2)) return false;
  if (is_ref(t1) || is_ref(t2)) return fail("type mismatch", "select without type on references");
  if (t1 != t2 && t1 != ValType::kBottom && t2 != ValType::kBottom) return mismatch(t1, t2);
  push(t1 == ValType::kBottom ? t2 : t1);
  return true;
}

bool FuncValidator::variable(const Instr& in) {
  if (in.op == Opcode::kGlobalGet || in.op == Opcode::kGlobalSet) {
    if (in.a >= m_.globals.size()) return fail(absl::StrCat("unknown global ", in.a));
    const GlobalType& g = m_.globals[in.a].type;
    if (in.op == Opcode::kGlobalGet) {
      push(g.type);
      return true;
    }
    if (!g.mut) return fail(absl::StrCat("global is immutable ", in.a));
    return pop(g.type);
  }
  if (in.a >= locals_.size()) return fail(absl::StrCat("unknown local ", in.a));
  ValType t = locals_[in.a];
  if (in.op == Opcode::kLocalGet) {
    push(t);
    return true;
  }
  if (!pop(t)) return false;
  if (in.op == Opcode::kLocalTee) push(t);
  return true;
}

bool FuncValidator::memory(const Instr& in) {
  const OpcodeInfo& oi = info(in.op);
  ValType addr;
  if (oi.imm == Imm::kMemory) {  // memory.size, memory.grow, memory.fill
    if (!memory_type(in.a, addr)) return false;
    if (in.op == Opcode::kMemoryFill) {
      if (!pop(addr) || !pop(ValType::kI32) || !pop(addr)) return false;
      return true;
    }
    if (in.op == Opcode::kMemoryGrow && !pop(addr)) return false;
    push(addr);
    return true;
  }
  if (!memory_type(in.mem.memory, addr)) return false;
  uint32_t natural = oi.imm == Imm::kMemArgLane ? oi.arg / 100 : oi.arg;
  if (in.mem.align > natural) {
    return fail("alignment must not be larger than natural",
                absl::StrCat("2^", in.mem.align, " > 2^", natural));
  }
  if (addr == ValType::kI32 && in.mem.offset > UINT32_MAX) {
    return fail(absl::StrCat("offset out of range ", in.mem.offset));
  }
  if (oi.imm == Imm::kMemArgLane && in.a >= oi.arg % 100) {
    return fail(absl::StrCat("invalid lane index ", in.a));
  }
  const SigInfo& sig = kSigInfo[static_cast<int>(oi.sig)];
  for (int i = sig.num_params; i > 0; --i) {
    if (!pop(sig.params[i - 1])) return false;
  }
  if (!pop(addr)) return false;
  if (sig.num_results) push(sig.result);
  return true;
}

bool FuncValidator::bulk_memory(const Instr& in) {
  uint32_t data = in.a;
  if (in.op == Opcode::kMemoryInit || in.op == Opcode::kDataDrop) {
    if (!m_.data_count && !m_.datas.empty()) return fail("data count section required");
    ValType addr = ValType::kI32;
    if (in.op == Opcode::kMemoryInit && !memory_type(in.b, addr)) return false;
    if (data >= m_.data_count.value_or(static_cast<uint32_t>(m_.datas.size()))) {
      return fail(absl::StrCat("unknown data segment ", data));
    }
    if (in.op == Opcode::kDataDrop) return true;
    return pop(ValType::kI32) && pop(ValType::kI32) && pop(addr);
  }
  ValType dst, src;  // memory.copy
  if (!memory_type(in.a, dst) || !memory_type(in.b, src)) return false;
  ValType n = dst == ValType::kI64 && src == ValType::kI64 ? ValType::kI64 : ValType::kI32;
  return pop(n) && pop(src) && pop(dst);
}

bool FuncValidator::table(const Instr& in) {
  ValType elem, src;
  auto known_elem = [&](uint32_t i) {
    return i < m_.elems.size() || fail(absl::StrCat("unknown elem segment ", i));
  };
  switch (in.op) {
    case Opcode::kElemDrop:
      return known_elem(in.a);
    case Opcode::kTableInit:
      if (!check_table(in.b, elem) || !known_elem(in.a)) return false;
      if (m_.elems[in.a].type != elem) return mismatch(elem, m_.elems[in.a].type);
      return pop(ValType::kI32) && pop(ValType::kI32) && pop(ValType::kI32);
    case Opcode::kTableCopy:
      if (!check_table(in.a, elem) || !check_table(in.b, src)) return false;
      if (elem != src) return mismatch(elem, src);
      return pop(ValType::kI32) && pop(ValType::kI32) && pop(ValType::kI32);
    default:
      break;
  }
  if (!check_table(in.a, elem)) return false;
  switch (in.op) {
    case Opcode::kTableGet:
      if (!pop(ValType::kI32)) return false;
      push(elem);
      return true;
    case Opcode::kTableSet:
      return pop(elem) && pop(ValType::kI32);
    case Opcode::kTableSize:
      push(ValType::kI32);
      return true;
    case Opcode::kTableGrow:
      if (!pop(ValType::kI32) || !pop(elem)) return false;
      push(ValType::kI32);
      return true;
    default:  // table.fill
      return pop(ValType::kI32) && pop(elem) && pop(ValType::kI32);
  }
}

bool FuncValidator::reference(const Instr& in) {
  if (in.op == Opcode::kRefNull) {
    push(in.type);
    return true;
  }
  if (in.op == Opcode::kRefFunc) {
    if (in.a >= m_.functions.size()) return fail(absl::StrCat("unknown function ", in.a));
    if (!mi_.declared_refs[in.a]) return fail(absl::StrCat("undeclared function reference ", in.a));
    push(ValType::kFuncRef);
    return true;
  }
  ValType t;  // ref.is_null
  if (!pop_any(t)) return false;
  if (t != ValType::kBottom && !is_ref(t))
    return fail("type mismatch", "ref.is_null needs a reference");
  push(ValType::kI32);
  return true;
}

bool FuncValidator::lane(const Instr& in) {
  const OpcodeInfo& oi = info(in.op);
  if (in.op == Opcode::kI8x16Shuffle) {
    for (uint8_t l : in.v128) {
      if (l >= 32) return fail(absl::StrCat("invalid lane index ", l));
    }
  } else if (in.a >= oi.arg) {
    return fail(absl::StrCat("invalid lane index ", in.a));
  }
  return simple(in, kSigInfo[static_cast<int>(oi.sig)]);
}

}  // namespace ws::engine::detail
