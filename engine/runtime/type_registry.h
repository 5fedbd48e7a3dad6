// Process-wide canonical ids of function types: equal signatures get equal ids in every module.
#pragma once

#include <cstdint>

#include "engine/ast/types.h"

namespace ws::engine {

// Returns the canonical id of `type` (never 0). Thread-safe; ids are never recycled, so a value
// stays valid for the life of the process. call_indirect compares these ids.
uint32_t canonical_type_id(const FuncType& type);

}  // namespace ws::engine
