// Parsing --invoke arguments and printing results.
#include "tools/wasmrun/values.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/runtime/value.h"

namespace ws::tools {
namespace {

using engine::ValType;
using engine::abi::RawValue;

// Integers of `bits` bits from decimal (either sign convention) or 0x hex; false on overflow.
bool parse_int(absl::string_view text, int bits, uint64_t* out) {
  bool negative = absl::ConsumePrefix(&text, "-");
  int base = 10;
  if (absl::ConsumePrefix(&text, "0x") || absl::ConsumePrefix(&text, "0X")) base = 16;
  if (text.empty()) return false;
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  uint64_t max_unsigned = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  uint64_t max_negative = uint64_t{1} << (bits - 1);
  if (negative ? magnitude > max_negative : magnitude > max_unsigned) return false;
  *out = negative ? (~magnitude + 1) & max_unsigned : magnitude;
  return true;
}

bool parse_float(absl::string_view text, double* out) {
  if (text.empty()) return false;
  std::string copy(text);  // strtod needs a terminator
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && !absl::ascii_isspace(copy[0]);
}

// v128 as format_value prints it: 0x and exactly 32 hex digits, the last two being byte 0.
bool parse_v128(absl::string_view text, RawValue* out) {
  if (!absl::ConsumePrefix(&text, "0x") && !absl::ConsumePrefix(&text, "0X")) return false;
  if (text.size() != 32) return false;
  for (int i = 0; i < 16; ++i) {
    absl::string_view pair = text.substr(30 - 2 * i, 2);
    auto [end, ec] = std::from_chars(pair.data(), pair.data() + 2, out->bytes[i], 16);
    if (ec != std::errc() || end != pair.data() + 2) return false;
  }
  return true;
}

template <typename T>
std::string shortest(T v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

}  // namespace

absl::StatusOr<RawValue> parse_value(ValType type, absl::string_view text) {
  uint64_t bits = 0;
  double f = 0;
  switch (type) {
    case ValType::kI32:
      if (parse_int(text, 32, &bits)) return engine::raw_i32(static_cast<int32_t>(bits));
      break;
    case ValType::kI64:
      if (parse_int(text, 64, &bits)) return engine::raw_i64(static_cast<int64_t>(bits));
      break;
    case ValType::kF32:
      if (parse_float(text, &f)) return engine::raw_f32(static_cast<float>(f));
      break;
    case ValType::kF64:
      if (parse_float(text, &f)) return engine::raw_f64(f);
      break;
    case ValType::kFuncRef:
    case ValType::kExternRef:
      if (text == "null") return engine::raw_ref(nullptr);
      break;
    case ValType::kV128: {
      RawValue v{};
      if (parse_v128(text, &v)) return v;
      break;
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("values of type ", engine::to_string(type), " cannot be passed"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not a valid ", engine::to_string(type)));
}

absl::StatusOr<std::vector<RawValue>> parse_invoke_args(const engine::FuncType& type,
                                                        std::span<const std::string> args,
                                                        absl::string_view func) {
  if (args.size() != type.num_params) {
    return absl::InvalidArgumentError(absl::StrCat("--invoke ", func, ": the function takes ",
                                                   type.num_params, " argument(s), ", args.size(),
                                                   " given"));
  }
  std::vector<RawValue> out;
  for (uint32_t i = 0; i < type.num_params; ++i) {
    absl::StatusOr<RawValue> v = parse_value(type.param(i), args[i]);
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--invoke ", func, ": argument ", i + 1, ": ", v.status().message()));
    }
    out.push_back(*v);
  }
  return out;
}

std::string format_value(ValType type, const RawValue& value) {
  switch (type) {
    case ValType::kI32:
      return absl::StrCat(engine::raw_as_i32(value));
    case ValType::kI64:
      return absl::StrCat(engine::raw_as_i64(value));
    case ValType::kF32:
      return shortest(engine::raw_as_f32(value));
    case ValType::kF64:
      return shortest(engine::raw_as_f64(value));
    case ValType::kFuncRef:
      return engine::raw_as_ref(value) ? "<funcref>" : "null";
    case ValType::kExternRef:
      return engine::raw_as_ref(value) ? "<externref>" : "null";
    default:
      break;
  }
  std::string hex = "0x";
  for (int i = 15; i >= 0; --i) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02x", value.bytes[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace ws::tools
