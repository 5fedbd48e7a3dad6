// Linker definitions and import type matching (the spec's "external type matching").
#include "engine/runtime/linker.h"

#include "absl/strings/str_cat.h"
#include "engine/runtime/instance.h"
#include "engine/runtime/type_registry.h"

namespace ws::engine {
namespace {

std::string limits_text(const Limits& l) {
  std::string s = absl::StrCat("min ", l.min);
  if (l.max) absl::StrAppend(&s, " max ", *l.max);
  return s;
}

// The spec's limits subtyping: actual fits within declared.
bool limits_match(const Limits& actual, const Limits& declared) {
  if (actual.min < declared.min) return false;
  if (!declared.max) return true;
  return actual.max && *actual.max <= *declared.max;
}

std::string global_text(const GlobalType& g) {
  return absl::StrCat(g.mut ? "mut " : "", to_string(g.type));
}

// Empty when `e` matches `im`, otherwise what was expected and what was given.
std::string mismatch(const Module& m, const Import& im, const Extern& e) {
  if (e.kind != im.kind) {
    return absl::StrCat("expected ", to_string(im.kind), ", got ", to_string(e.kind));
  }
  switch (im.kind) {
    case ExternKind::kFunc: {
      if (canonical_type_id(m.types[im.func_type]) == e.func->ref.type_id) return {};
      return "function signatures differ";
    }
    case ExternKind::kTable: {
      TableType actual = e.table->type();
      if (actual.elem == im.table.elem && limits_match(actual.limits, im.table.limits)) return {};
      return absl::StrCat("expected ", to_string(im.table.elem), " table ",
                          limits_text(im.table.limits), ", got ", to_string(actual.elem), " table ",
                          limits_text(actual.limits));
    }
    case ExternKind::kMemory: {
      MemoryType actual = e.memory->type();
      const Limits& want = im.memory.limits;
      if (actual.limits.is64 == want.is64 && limits_match(actual.limits, want)) return {};
      return absl::StrCat("expected ", want.is64 ? "i64 " : "", "memory ", limits_text(want),
                          ", got ", actual.limits.is64 ? "i64 " : "", "memory ",
                          limits_text(actual.limits));
    }
    case ExternKind::kGlobal: {
      const GlobalType& actual = e.global->type();
      if (actual.type == im.global.type && actual.mut == im.global.mut) return {};
      return absl::StrCat("expected global ", global_text(im.global), ", got global ",
                          global_text(actual));
    }
  }
  return "unknown import kind";
}

bool extern_set(const Extern& e) {
  switch (e.kind) {
    case ExternKind::kFunc:
      return e.func != nullptr;
    case ExternKind::kTable:
      return e.table != nullptr;
    case ExternKind::kMemory:
      return e.memory != nullptr;
    case ExternKind::kGlobal:
      return e.global != nullptr;
  }
  return false;
}

}  // namespace

void Linker::define(std::string_view module, std::string_view name, const Extern& value) {
  auto it = defs_.find(module);
  if (it == defs_.end()) it = defs_.emplace(std::string(module), Names()).first;
  it->second.insert_or_assign(std::string(name), value);
}

void Linker::define_instance(std::string_view module, const Instance& instance) {
  for (const auto& [name, value] : instance.exports()) define(module, name, value);
}

const Extern* Linker::find(std::string_view module, std::string_view name) const {
  auto it = defs_.find(module);
  if (it == defs_.end()) return nullptr;
  auto found = it->second.find(name);
  return found == it->second.end() ? nullptr : &found->second;
}

absl::StatusOr<std::vector<Extern>> Linker::resolve(const Module& m) const {
  std::vector<Extern> out;
  out.reserve(m.imports.size());
  for (const Import& im : m.imports) {
    const Extern* e = find(im.module, im.name);
    if (e == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown import \"", im.module, "\" \"",
                                                     im.name, "\" (", to_string(im.kind), ")"));
    }
    out.push_back(*e);
  }
  return out;
}

absl::Status check_imports(const Module& m, std::span<const Extern> imports) {
  if (imports.size() != m.imports.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("module has ", m.imports.size(), " imports, ", imports.size(), " given"));
  }
  for (size_t i = 0; i < imports.size(); ++i) {
    const Import& im = m.imports[i];
    std::string why = extern_set(imports[i]) ? mismatch(m, im, imports[i]) : "missing extern";
    if (!why.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("incompatible import type for \"", im.module,
                                                     "\" \"", im.name, "\": ", why));
    }
  }
  return absl::OkStatus();
}

}  // namespace ws::engine
