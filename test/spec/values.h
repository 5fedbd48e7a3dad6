// Spec-script values: JSON {"type","value"} <-> engine value slots, and result expectations
// including nan:canonical / nan:arithmetic.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "engine/ast/types.h"
#include "engine/runtime/abi/vmctx.h"
#include "nlohmann/json.hpp"

namespace ws::spec_test {

struct ScriptValue {
  engine::ValType type = engine::ValType::kI32;
  engine::abi::RawValue raw{};
};

// Host references `ref.extern N` are represented as the pointer value N + 1 (null is 0).
absl::StatusOr<ScriptValue> parse_value(const nlohmann::json& value);

// Whether `actual` (of the callee's result type `type`) matches the expectation; on a mismatch
// `why` says what was expected and what came back.
bool matches(const nlohmann::json& expected, engine::ValType type,
             const engine::abi::RawValue& actual, std::string& why);

// Whether `actual` matches any one of the `alternatives` (an `either` result set).
bool matches_any(const nlohmann::json& alternatives, engine::ValType type,
                 const engine::abi::RawValue& actual, std::string& why);

// A readable rendering of a value slot of type `type` for failure messages.
std::string describe(engine::ValType type, const engine::abi::RawValue& raw);

}  // namespace ws::spec_test
