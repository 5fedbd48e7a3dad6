// Import resolution by (module, name) and the spec's import type matching.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/extern.h"

namespace ws::engine {

class Instance;

// A namespace of externs by (module, name): host definitions and registered instances.
class Linker {
 public:
  // Adds or replaces one definition.
  void define(std::string_view module, std::string_view name, const Extern& value);
  // Defines every export of `instance` under `module` (the spec's `register`).
  void define_instance(std::string_view module, const Instance& instance);
  const Extern* find(std::string_view module, std::string_view name) const;

  // One extern per import of `m`, in import order; INVALID_ARGUMENT "unknown import ..." when
  // one is missing. Types are checked by Store::instantiate.
  absl::StatusOr<std::vector<Extern>> resolve(const Module& m) const;

 private:
  using Names = std::map<std::string, Extern, std::less<>>;
  std::map<std::string, Names, std::less<>> defs_;
};

// Checks `imports` against the import declarations of `m` (count, kind and type): functions by
// canonical type id; tables and memories by element/index type and limits subtyping (with the
// current size as the minimum); globals by value type and mutability. Mismatches are
// INVALID_ARGUMENT "incompatible import type for \"mod\" \"name\": ...".
absl::Status check_imports(const Module& m, std::span<const Extern> imports);

}  // namespace ws::engine
