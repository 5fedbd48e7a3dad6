// Opcode enumeration and per-opcode properties, generated from opcodes.def and signatures.def.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "engine/ast/types.h"

namespace ws::engine {

enum class Opcode : uint16_t {
#define WS_OPCODE(name, prefix, code, text, imm, sig, arg) k##name,
#include "engine/ast/opcodes.def"
#undef WS_OPCODE
  kCount,
};
constexpr uint32_t kNumOpcodes = static_cast<uint32_t>(Opcode::kCount);

// How an instruction's immediates are encoded.
enum class Imm : uint8_t {
  kNone,
  kBlockType,
  kLabel,
  kBrTable,
  kFunc,
  kCallIndirect,
  kLocal,
  kGlobal,
  kTable,
  kTwoTables,
  kElemTable,
  kElem,
  kMemory,
  kTwoMemories,
  kDataMemory,
  kData,
  kMemArg,
  kMemArgLane,
  kI32,
  kI64,
  kF32,
  kF64,
  kV128,
  kShuffle,
  kLane,
  kRefType,
  kSelectT,
};

enum class Sig : uint8_t {
#define WS_SIG(name, params, results) k##name,
#include "engine/ast/signatures.def"
#undef WS_SIG
  kSpecial,
};

// A fixed operand signature: at most three params and one result.
struct SigInfo {
  uint8_t num_params;
  uint8_t num_results;
  ValType params[3];
  ValType result;
};

struct OpcodeInfo {
  uint8_t prefix;
  uint16_t code;
  Imm imm;
  Sig sig;
  uint16_t arg;
  const char* text;
};

namespace detail {
constexpr ValType letter_type(char c) {
  switch (c) {
    case 'i':
      return ValType::kI32;
    case 'l':
      return ValType::kI64;
    case 'f':
      return ValType::kF32;
    case 'd':
      return ValType::kF64;
    default:
      return ValType::kV128;
  }
}
constexpr SigInfo make_sig(std::string_view params, std::string_view results) {
  SigInfo s{static_cast<uint8_t>(params.size()), static_cast<uint8_t>(results.size()), {}, {}};
  for (size_t i = 0; i < params.size(); ++i) s.params[i] = letter_type(params[i]);
  s.result = results.empty() ? ValType::kBottom : letter_type(results[0]);
  return s;
}
}  // namespace detail

inline constexpr SigInfo kSigInfo[] = {
#define WS_SIG(name, params, results) detail::make_sig(params, results),
#include "engine/ast/signatures.def"
#undef WS_SIG
};

inline constexpr OpcodeInfo kOpcodeInfo[] = {
#define WS_OPCODE(name, prefix, code, text, imm, sig, arg) \
  {prefix, code, Imm::k##imm, Sig::k##sig, arg, text},
#include "engine/ast/opcodes.def"
#undef WS_OPCODE
};

constexpr const OpcodeInfo& info(Opcode op) { return kOpcodeInfo[static_cast<uint16_t>(op)]; }
constexpr const char* to_string(Opcode op) { return info(op).text; }

// Byte-to-opcode maps; kCount marks an unassigned encoding.
struct OpcodeMaps {
  std::array<Opcode, 256> single;
  std::array<Opcode, 32> fc;
  std::array<Opcode, 0x120> fd;
};

constexpr OpcodeMaps build_opcode_maps() {
  OpcodeMaps m{};
  m.single.fill(Opcode::kCount);
  m.fc.fill(Opcode::kCount);
  m.fd.fill(Opcode::kCount);
  for (uint32_t i = 0; i < kNumOpcodes; ++i) {
    const OpcodeInfo& in = kOpcodeInfo[i];
    auto op = static_cast<Opcode>(i);
    if (in.prefix == 0) {
      m.single[in.code] = op;
    } else if (in.prefix == 0xFC) {
      m.fc[in.code] = op;
    } else {
      m.fd[in.code] = op;
    }
  }
  return m;
}
inline constexpr OpcodeMaps kOpcodeMaps = build_opcode_maps();

}  // namespace ws::engine
