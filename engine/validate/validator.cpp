// Module-level validation: declarations, segments, exports, start; then every function body.
#include "engine/validate/validator.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/validate/validator_impl.h"

namespace ws::engine {
namespace {

using detail::VError;

class ModuleValidator {
 public:
  ModuleValidator(const Module& m, const Features& f) : m_(m), ctx_{f} {}

  absl::Status run(ModuleInfo& mi);

 private:
  bool fail(std::string where, std::string msg) {
    if (!err_.set) err_ = VError{true, 0, std::move(msg)};
    where_ = std::move(where);
    return false;
  }
  bool const_expr(std::string where, ConstExpr e, ValType t, std::vector<bool>* refs) {
    if (detail::validate_const_expr(m_, ctx_, e, t, refs, err_)) return true;
    where_ = std::move(where);
    return false;
  }
  bool declarations();
  bool limits(const std::string& where, const Limits& l, bool memory);
  bool globals(ModuleInfo& mi);
  bool elems(ModuleInfo& mi);
  bool datas();
  bool exports(ModuleInfo& mi);
  bool start();
  bool bodies(ModuleInfo& mi);
  std::string function_name(uint32_t index) const;

  const Module& m_;
  InstrContext ctx_;
  VError err_;
  std::string where_;
};

bool ModuleValidator::limits(const std::string& where, const Limits& l, bool memory) {
  if (l.max && l.min > *l.max) {
    return fail(where, "size minimum must not be greater than maximum");
  }
  if (!memory) return true;
  uint64_t cap = l.is64 ? (uint64_t{1} << 48) : 65536;
  if (l.min > cap || (l.max && *l.max > cap)) {
    return fail(where, l.is64 ? "memory size must be at most 2^48 pages"
                              : "memory size must be at most 65536 pages (4GiB)");
  }
  return true;
}

bool ModuleValidator::declarations() {
  for (size_t i = 0; i < m_.functions.size(); ++i) {
    if (m_.functions[i] >= m_.types.size()) {
      return fail(absl::StrCat("function ", i), absl::StrCat("unknown type ", m_.functions[i]));
    }
  }
  for (size_t i = 0; i < m_.tables.size(); ++i) {
    if (!limits(absl::StrCat("table ", i), m_.tables[i].limits, false)) return false;
  }
  if (m_.tables.size() > 1 && !ctx_.features.reference_types) {
    return fail("module", "multiple tables");
  }
  if (m_.memories.size() > 1 && !ctx_.features.multi_memory) {
    return fail("module", "multiple memories");
  }
  for (size_t i = 0; i < m_.memories.size(); ++i) {
    if (!limits(absl::StrCat("memory ", i), m_.memories[i].limits, true)) return false;
  }
  return true;
}

bool ModuleValidator::globals(ModuleInfo& mi) {
  for (size_t i = m_.num_imported_globals; i < m_.globals.size(); ++i) {
    const Global& g = m_.globals[i];
    if (!const_expr(absl::StrCat("global ", i), g.init, g.type.type, &mi.declared_refs)) {
      return false;
    }
  }
  return true;
}

bool ModuleValidator::elems(ModuleInfo& mi) {
  for (size_t i = 0; i < m_.elems.size(); ++i) {
    const ElemSegment& seg = m_.elems[i];
    std::string where = absl::StrCat("element segment ", i);
    if (seg.mode == SegmentMode::kActive) {
      if (seg.table >= m_.tables.size()) {
        return fail(where, absl::StrCat("unknown table ", seg.table));
      }
      if (m_.tables[seg.table].elem != seg.type) return fail(where, "type mismatch");
      if (!const_expr(where, seg.offset, ValType::kI32, nullptr)) return false;
    }
    for (uint32_t f : seg.func_indices) {
      if (f >= m_.functions.size()) return fail(where, absl::StrCat("unknown function ", f));
      mi.declared_refs[f] = true;
    }
    for (ConstExpr e : seg.exprs) {
      if (!const_expr(where, e, seg.type, &mi.declared_refs)) return false;
    }
  }
  return true;
}

bool ModuleValidator::datas() {
  for (size_t i = 0; i < m_.datas.size(); ++i) {
    const DataSegment& seg = m_.datas[i];
    if (seg.mode != SegmentMode::kActive) continue;
    std::string where = absl::StrCat("data segment ", i);
    if (seg.memory >= m_.memories.size()) {
      return fail(where, absl::StrCat("unknown memory ", seg.memory));
    }
    ValType addr = m_.memories[seg.memory].limits.is64 ? ValType::kI64 : ValType::kI32;
    if (!const_expr(where, seg.offset, addr, nullptr)) return false;
  }
  return true;
}

bool ModuleValidator::exports(ModuleInfo& mi) {
  absl::flat_hash_set<std::string_view> names;
  for (const Export& e : m_.exports) {
    std::string where = absl::StrCat("export \"", e.name, "\"");
    size_t limit = 0;
    switch (e.kind) {
      case ExternKind::kFunc:
        limit = m_.functions.size();
        break;
      case ExternKind::kTable:
        limit = m_.tables.size();
        break;
      case ExternKind::kMemory:
        limit = m_.memories.size();
        break;
      case ExternKind::kGlobal:
        limit = m_.globals.size();
        break;
    }
    if (e.index >= limit) {
      return fail(where, absl::StrCat("unknown ",
                                      e.kind == ExternKind::kFunc ? "function" : to_string(e.kind),
                                      " ", e.index));
    }
    if (e.kind == ExternKind::kFunc) mi.declared_refs[e.index] = true;
    if (!names.insert(e.name).second) return fail(where, "duplicate export name");
  }
  return true;
}

bool ModuleValidator::start() {
  if (!m_.start) return true;
  if (*m_.start >= m_.functions.size()) {
    return fail("start function", absl::StrCat("unknown function ", *m_.start));
  }
  const FuncType& ft = m_.func_type(*m_.start);
  if (ft.num_params != 0 || ft.num_results() != 0) {
    return fail("start function", "start function must have type [] -> []");
  }
  return true;
}

std::string ModuleValidator::function_name(uint32_t index) const {
  auto it = m_.names.functions.find(index);
  if (it == m_.names.functions.end()) return absl::StrCat("function ", index);
  return absl::StrCat("function ", index, " ($", it->second, ")");
}

bool ModuleValidator::bodies(ModuleInfo& mi) {
  mi.functions.resize(m_.codes.size());
  detail::FuncValidator fv(m_, mi, ctx_);
  for (uint32_t i = 0; i < m_.codes.size(); ++i) {
    uint32_t index = m_.num_imported_funcs + i;
    if (!fv.run(index, mi.functions[i], err_)) {
      where_ = function_name(index);
      return false;
    }
  }
  return true;
}

absl::Status ModuleValidator::run(ModuleInfo& mi) {
  mi.declared_refs.assign(m_.functions.size(), false);
  for (const Import& im : m_.imports) {
    if (im.kind == ExternKind::kFunc && im.func_type >= m_.types.size()) {
      fail(absl::StrCat("import \"", im.module, "\" \"", im.name, "\""),
           absl::StrCat("unknown type ", im.func_type));
      break;
    }
  }
  if (!err_.set && declarations() && globals(mi) && elems(mi) && datas() && exports(mi) &&
      start() && bodies(mi)) {
    return absl::OkStatus();
  }
  std::string msg = err_.offset
                        ? absl::StrFormat("%s, offset 0x%x: %s", where_, err_.offset, err_.message)
                        : absl::StrCat(where_, ": ", err_.message);
  return absl::InvalidArgumentError(msg);
}

}  // namespace

absl::StatusOr<ModuleInfo> validate_module(const Module& m, const Features& features) {
  ModuleInfo mi;
  absl::Status s = ModuleValidator(m, features).run(mi);
  if (!s.ok()) return s;
  return mi;
}

}  // namespace ws::engine
