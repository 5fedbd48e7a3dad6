// Core Wasm types shared by the decoder, validator, code generator and runtime.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ws::engine {

// Value types carry their binary encoding; kBottom is the validator's unknown type.
enum class ValType : uint8_t {
  kBottom = 0x00,
  kI32 = 0x7F,
  kI64 = 0x7E,
  kF32 = 0x7D,
  kF64 = 0x7C,
  kV128 = 0x7B,
  kFuncRef = 0x70,
  kExternRef = 0x6F,
};

constexpr bool is_ref(ValType t) { return t == ValType::kFuncRef || t == ValType::kExternRef; }
constexpr bool is_num(ValType t) {
  return t == ValType::kI32 || t == ValType::kI64 || t == ValType::kF32 || t == ValType::kF64;
}
const char* to_string(ValType t);

enum class ExternKind : uint8_t { kFunc = 0, kTable = 1, kMemory = 2, kGlobal = 3 };
const char* to_string(ExternKind k);

// A function type; params and results are stored together to keep one allocation.
struct FuncType {
  std::vector<ValType> types;  // params followed by results
  uint32_t num_params = 0;

  uint32_t num_results() const { return static_cast<uint32_t>(types.size()) - num_params; }
  const ValType* params() const { return types.data(); }
  const ValType* results() const { return types.data() + num_params; }
  ValType param(uint32_t i) const { return types[i]; }
  ValType result(uint32_t i) const { return types[num_params + i]; }
  bool operator==(const FuncType& o) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool is64 = false;  // memory64: addresses and sizes are i64
  bool shared = false;
};

struct TableType {
  ValType elem = ValType::kFuncRef;
  Limits limits;
};

struct MemoryType {
  Limits limits;
};

struct GlobalType {
  ValType type = ValType::kI32;
  bool mut = false;
};

// Proposals beyond Wasm 2.0 that change what decodes and validates. A production engine
// enables all of them; the spec suite of Wasm 2.0 expects them off.
struct Features {
  // Off = the MVP's rules, which some proposal snapshots (memory64) were written against:
  // externref and funcref are not value types, the reference and table instructions are illegal
  // opcodes, call_indirect/table.copy/table.init carry a zero byte instead of a table index,
  // and a module has at most one table.
  bool reference_types = true;
  bool simd = true;
  bool relaxed_simd = true;
  bool tail_call = true;
  bool extended_const = true;
  bool multi_memory = true;
  bool memory64 = true;

  static Features wasm2() {
    Features f;
    f.relaxed_simd = f.tail_call = f.extended_const = f.multi_memory = f.memory64 = false;
    return f;
  }
};

}  // namespace ws::engine
