// Spec-script values: parsing arguments and matching results bit-exactly (NaN patterns aside).
#include "test/spec/values.h"

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ws::spec_test {
namespace {

using engine::ValType;
using engine::abi::RawValue;

absl::StatusOr<ValType> type_of(const std::string& name) {
  if (name == "i32") return ValType::kI32;
  if (name == "i64") return ValType::kI64;
  if (name == "f32") return ValType::kF32;
  if (name == "f64") return ValType::kF64;
  if (name == "externref") return ValType::kExternRef;
  if (name == "funcref") return ValType::kFuncRef;
  if (name == "v128") return ValType::kV128;
  return absl::InvalidArgumentError(absl::StrCat("unknown value type ", name));
}

template <typename T>
RawValue raw(T v) {
  RawValue r{};
  std::memcpy(r.bytes, &v, sizeof(T));
  return r;
}

template <typename T>
T as(const RawValue& r) {
  T v;
  std::memcpy(&v, r.bytes, sizeof(T));
  return v;
}

uint64_t raw_high(const RawValue& r) {
  uint64_t v;
  std::memcpy(&v, r.bytes + 8, 8);
  return v;
}

int lane_bits(const std::string& lane_type) {
  if (lane_type == "i8") return 8;
  if (lane_type == "i16") return 16;
  if (lane_type == "i32" || lane_type == "f32") return 32;
  if (lane_type == "i64" || lane_type == "f64") return 64;
  return 0;
}

// {"type":"v128","lane_type":"i32","value":["1","2","3","4"]}: lanes as unsigned bit patterns.
absl::StatusOr<ScriptValue> parse_v128(const nlohmann::json& value) {
  int bits = lane_bits(value.value("lane_type", std::string()));
  const nlohmann::json& lanes = value["value"];
  if (bits == 0 || !lanes.is_array() || lanes.size() != static_cast<size_t>(128 / bits)) {
    return absl::InvalidArgumentError(absl::StrCat("bad v128 value ", value.dump()));
  }
  ScriptValue out{ValType::kV128, {}};
  for (size_t i = 0; i < lanes.size(); ++i) {
    uint64_t lane;
    if (!lanes[i].is_string() || !absl::SimpleAtoi(lanes[i].get<std::string>(), &lane)) {
      return absl::UnimplementedError(absl::StrCat("v128 lane pattern ", lanes[i].dump()));
    }
    std::memcpy(out.raw.bytes + i * bits / 8, &lane, bits / 8);
  }
  return out;
}

// Lane-wise comparison; float lanes may expect nan:canonical / nan:arithmetic.
bool v128_matches(const nlohmann::json& expected, const RawValue& actual) {
  std::string lane_type = expected.value("lane_type", std::string());
  int bits = lane_bits(lane_type);
  const nlohmann::json& lanes = expected["value"];
  if (bits == 0 || !lanes.is_array() || lanes.size() != static_cast<size_t>(128 / bits)) {
    return false;
  }
  for (size_t i = 0; i < lanes.size(); ++i) {
    RawValue lane{};
    std::memcpy(lane.bytes, actual.bytes + i * bits / 8, bits / 8);
    nlohmann::json scalar = {{"type", bits == 32 && lane_type == "f32"   ? "f32"
                                      : bits == 64 && lane_type == "f64" ? "f64"
                                      : bits == 64                       ? "i64"
                                                                         : "i32"},
                             {"value", lanes[i]}};
    std::string lane_text = lanes[i].get<std::string>();
    if (bits < 32) {  // narrow integer lanes: compare the low bits
      uint64_t want;
      if (!absl::SimpleAtoi(lane_text, &want)) return false;
      uint64_t got = 0;
      std::memcpy(&got, lane.bytes, bits / 8);
      if (got != (want & ((uint64_t{1} << bits) - 1))) return false;
      continue;
    }
    ValType t = lane_type == "f32"   ? ValType::kF32
                : lane_type == "f64" ? ValType::kF64
                : bits == 64         ? ValType::kI64
                                     : ValType::kI32;
    std::string why;
    if (!matches(scalar, t, lane, why)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<ScriptValue> parse_value(const nlohmann::json& value) {
  if (!value.is_object() || !value.contains("type")) {
    return absl::InvalidArgumentError("value without a type");
  }
  absl::StatusOr<ValType> type = type_of(value["type"].get<std::string>());
  if (!type.ok()) return type.status();
  ScriptValue out{*type, {}};
  if (*type == ValType::kV128) return parse_v128(value);
  std::string text = value.value("value", std::string("null"));
  if (engine::is_ref(*type)) {
    uint64_t n = 0;
    if (text != "null" && !absl::SimpleAtoi(text, &n)) {
      return absl::InvalidArgumentError(absl::StrCat("bad reference ", text));
    }
    out.raw = raw<uint64_t>(text == "null" ? 0 : n + 1);
    return out;
  }
  uint64_t bits;
  if (!absl::SimpleAtoi(text, &bits)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ", value["type"].get<std::string>(), " value ", text));
  }
  bool narrow = *type == ValType::kI32 || *type == ValType::kF32;
  out.raw = narrow ? raw<uint32_t>(static_cast<uint32_t>(bits)) : raw<uint64_t>(bits);
  return out;
}

std::string describe(ValType type, const RawValue& r) {
  switch (type) {
    case ValType::kI32:
    case ValType::kF32:
      return absl::StrCat(engine::to_string(type), ":0x", absl::Hex(as<uint32_t>(r)));
    case ValType::kI64:
    case ValType::kF64:
      return absl::StrCat(engine::to_string(type), ":0x", absl::Hex(as<uint64_t>(r)));
    case ValType::kV128:
      return absl::StrCat("v128:0x", absl::Hex(as<uint64_t>(r)), ":", absl::Hex(raw_high(r)));
    default: {
      uint64_t p = as<uint64_t>(r);
      return p == 0 ? absl::StrCat(engine::to_string(type), ":null")
                    : absl::StrCat(engine::to_string(type), ":0x", absl::Hex(p));
    }
  }
}

bool matches(const nlohmann::json& expected, ValType type, const RawValue& actual,
             std::string& why) {
  absl::StatusOr<ValType> want_type = type_of(expected.value("type", std::string()));
  if (type == ValType::kV128) {
    bool ok = want_type.ok() && *want_type == type && v128_matches(expected, actual);
    if (!ok) why = absl::StrCat("expected ", expected.dump(), ", got ", describe(type, actual));
    return ok;
  }
  std::string text = expected.value("value", std::string());
  bool ok;
  if (!want_type.ok() || *want_type != type) {
    ok = false;
  } else if (text == "nan:canonical" || text == "nan:arithmetic") {
    bool canonical = text == "nan:canonical";
    if (type == ValType::kF32) {
      uint32_t bits = as<uint32_t>(actual) & 0x7FFFFFFFu;
      ok = canonical ? bits == 0x7FC00000u : (bits & 0x7FC00000u) == 0x7FC00000u;
    } else {
      uint64_t bits = as<uint64_t>(actual) & 0x7FFFFFFFFFFFFFFFull;
      uint64_t quiet = 0x7FF8000000000000ull;
      ok = canonical ? bits == quiet : (bits & quiet) == quiet;
    }
  } else if (type == ValType::kFuncRef && text != "null") {
    ok = as<uint64_t>(actual) != 0;  // any function reference
  } else {
    absl::StatusOr<ScriptValue> want = parse_value(expected);
    size_t n = (type == ValType::kI32 || type == ValType::kF32) ? 4 : 8;
    ok = want.ok() && std::memcmp(want->raw.bytes, actual.bytes, n) == 0;
  }
  if (!ok) {
    why = absl::StrCat("expected ", expected.dump(), ", got ", describe(type, actual));
  }
  return ok;
}

bool matches_any(const nlohmann::json& alternatives, ValType type, const RawValue& actual,
                 std::string& why) {
  for (const nlohmann::json& alternative : alternatives) {
    std::string ignored;
    if (matches(alternative, type, actual, ignored)) return true;
  }
  why = absl::StrCat("expected one of ", alternatives.dump(), ", got ", describe(type, actual));
  return false;
}

}  // namespace ws::spec_test
