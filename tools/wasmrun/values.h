// --invoke's values: command-line text -> Wasm arguments, results -> text (as wasmtime prints).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/ast/types.h"
#include "engine/runtime/abi/vmctx.h"

namespace ws::tools {

// One argument per parameter of `type`: integers in decimal (signed or unsigned) or 0x hex,
// floats as strtod reads them (also "nan", "inf", "-inf"), v128 as 0x and 32 hex digits (as
// format_value prints it), references only as "null".
// INVALID_ARGUMENT naming `func`, the argument and the expected type otherwise.
absl::StatusOr<std::vector<engine::abi::RawValue>> parse_invoke_args(
    const engine::FuncType& type, std::span<const std::string> args, absl::string_view func);

absl::StatusOr<engine::abi::RawValue> parse_value(engine::ValType type, absl::string_view text);

// i32/i64 as signed decimal, f32/f64 in the shortest form that reads back exactly, v128 as
// 0x-prefixed 32 hex digits (little-endian lanes printed high to low), refs as "null" or
// "<funcref>" / "<externref>".
std::string format_value(engine::ValType type, const engine::abi::RawValue& value);

}  // namespace ws::tools
