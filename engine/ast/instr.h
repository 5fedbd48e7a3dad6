// One decoded instruction with its immediates, as produced by decode/instr_reader.h.
#pragma once

#include <cstdint>

#include "engine/ast/opcode.h"
#include "engine/ast/types.h"

namespace ws::engine {

struct BlockType {
  enum Kind : uint8_t { kEmpty, kValue, kIndex };
  Kind kind = kEmpty;
  ValType value = ValType::kBottom;  // kValue
  uint32_t index = 0;                // kIndex: a type index
};

struct MemArg {
  uint32_t align = 0;  // log2
  uint32_t memory = 0;
  uint64_t offset = 0;
};

struct Instr {
  Opcode op = Opcode::kNop;
  uint32_t offset = 0;  // of the first opcode byte, in the module
  // Immediates; which fields are meaningful follows from info(op).imm.
  uint32_t a = 0;  // label, function, local, global, table, memory, type (call_indirect),
                   // data or elem index; br_table target count; select arity; lane
  uint32_t b = 0;  // second index (call_indirect table, table.copy src, memory.init memory,
                   // table.init table, memory.copy src); br_table: offset of the first target
  union {
    int32_t i32;
    int64_t i64;
    uint32_t f32;  // raw bits
    uint64_t f64;  // raw bits
    uint8_t v128[16];
    MemArg mem;
    BlockType block;
    ValType type;  // ref.null heap type, select t
  };
  Instr() : v128{} {}
};

}  // namespace ws::engine
