// Instruction decoding: opcode lookup, feature gating and immediates.
#include "engine/decode/instr_reader.h"

namespace ws::engine {
namespace {

bool is_value_type_byte(uint8_t b, const Features& f) {
  return (b >= 0x7B && b <= 0x7F) || (f.reference_types && (b == 0x70 || b == 0x6F));
}

// Opcodes that the reference-types proposal introduced: typed select, table.get/set,
// ref.null/is_null/func, and table.grow/size/fill.
bool needs_reference_types(uint8_t b, uint32_t sub) {
  if (b == 0xFC) return sub >= 15 && sub <= 17;
  return b == 0x1C || b == 0x25 || b == 0x26 || (b >= 0xD0 && b <= 0xD2);
}

}  // namespace

bool InstrReader::next(Instr& out) {
  out.offset = static_cast<uint32_t>(r_.offset());
  uint8_t b;
  if (!r_.u8(b)) return false;
  Opcode op;
  if (b < 0xFC) [[likely]] {
    op = kOpcodeMaps.single[b];
    if (op == Opcode::kCount || ((b == 0x12 || b == 0x13) && !ctx_.features.tail_call) ||
        (!ctx_.features.reference_types && needs_reference_types(b, 0))) {
      return r_.fail_at(out.offset, "illegal opcode");
    }
  } else {
    uint32_t sub;
    if (!r_.u32(sub)) return false;
    op = Opcode::kCount;
    if (b == 0xFC && sub < kOpcodeMaps.fc.size() &&
        (ctx_.features.reference_types || !needs_reference_types(b, sub))) {
      op = kOpcodeMaps.fc[sub];
    } else if (b == 0xFD && sub < kOpcodeMaps.fd.size() && ctx_.features.simd &&
               (sub < 0x100 || ctx_.features.relaxed_simd)) {
      op = kOpcodeMaps.fd[sub];
    }
    if (op == Opcode::kCount) return r_.fail_at(out.offset, "illegal opcode");
  }
  out.op = op;
  switch (info(op).imm) {
    case Imm::kNone:
      return true;
    case Imm::kLocal:
    case Imm::kGlobal:
    case Imm::kLabel:
    case Imm::kFunc:
      return r_.u32(out.a);
    case Imm::kI32:
      return r_.s32(out.i32);
    default:
      return immediates(out);
  }
}

bool InstrReader::block_type(BlockType& bt) {
  uint8_t b;
  if (!r_.peek(b)) return r_.u8(b);
  if (b == 0x40) {
    r_.skip(1);
    bt.kind = BlockType::kEmpty;
    return true;
  }
  if (is_value_type_byte(b, ctx_.features)) {
    r_.skip(1);
    bt.kind = BlockType::kValue;
    bt.value = static_cast<ValType>(b);
    return true;
  }
  size_t at = r_.offset();
  int64_t idx;
  if (!r_.s33(idx)) return false;
  if (idx < 0) return r_.fail_at(at, "malformed block type");
  bt.kind = BlockType::kIndex;
  bt.index = static_cast<uint32_t>(idx);
  return true;
}

// Without reference types a table immediate is a reserved zero byte, like a memory index
// without multi-memory.
bool InstrReader::table_index(uint32_t& idx) {
  if (ctx_.features.reference_types) return r_.u32(idx);
  return zero_byte(idx);
}

bool InstrReader::memory_index(uint32_t& idx) {
  if (ctx_.features.multi_memory) return r_.u32(idx);
  return zero_byte(idx);
}

bool InstrReader::zero_byte(uint32_t& idx) {
  uint8_t b;
  if (!r_.u8(b)) return false;
  if (b != 0) return r_.fail_at(r_.offset() - 1, "zero byte expected");
  idx = 0;
  return true;
}

// memarg: with multi-memory, bit 6 of the alignment field announces a memory index; with
// memory64 the offset is a u64 (validation bounds it for 32-bit memories).
bool InstrReader::memarg(MemArg& m) {
  if (!r_.u32(m.align)) return false;
  m.memory = 0;
  if (ctx_.features.multi_memory && (m.align & 0x40)) {
    m.align &= ~0x40u;
    if (!r_.u32(m.memory)) return false;
  }
  if (ctx_.features.memory64) return r_.u64(m.offset);
  uint32_t off;
  if (!r_.u32(off)) return false;
  m.offset = off;
  return true;
}

bool InstrReader::immediates(Instr& in) {
  switch (info(in.op).imm) {
    case Imm::kNone:
      return true;
    case Imm::kBlockType:
      in.block = BlockType{};
      return block_type(in.block);
    case Imm::kLabel:
    case Imm::kFunc:
    case Imm::kLocal:
    case Imm::kGlobal:
    case Imm::kTable:
    case Imm::kElem:
    case Imm::kData:
      return r_.u32(in.a);
    case Imm::kBrTable: {
      if (!r_.count(in.a)) return false;
      in.b = static_cast<uint32_t>(r_.offset());
      uint32_t t;
      for (uint64_t i = 0; i <= in.a; ++i) {
        if (!r_.u32(t)) return false;
      }
      return true;
    }
    case Imm::kCallIndirect:
      return r_.u32(in.a) && table_index(in.b);
    case Imm::kTwoTables:
      return table_index(in.a) && table_index(in.b);
    case Imm::kElemTable:
      return r_.u32(in.a) && table_index(in.b);
    case Imm::kMemory:
      return memory_index(in.a);
    case Imm::kTwoMemories:
      return memory_index(in.a) && memory_index(in.b);
    case Imm::kDataMemory:
      return r_.u32(in.a) && memory_index(in.b);
    case Imm::kMemArg:
      in.mem = MemArg{};
      return memarg(in.mem);
    case Imm::kMemArgLane: {
      in.mem = MemArg{};
      uint8_t lane;
      if (!memarg(in.mem) || !r_.u8(lane)) return false;
      in.a = lane;
      return true;
    }
    case Imm::kI32:
      return r_.s32(in.i32);
    case Imm::kI64:
      return r_.s64(in.i64);
    case Imm::kF32:
      return r_.fixed32(in.f32);
    case Imm::kF64:
      return r_.fixed64(in.f64);
    case Imm::kV128:
    case Imm::kShuffle: {
      const uint8_t* p;
      if (!r_.bytes(16, p)) return false;
      for (int i = 0; i < 16; ++i) in.v128[i] = p[i];
      return true;
    }
    case Imm::kLane: {
      uint8_t lane;
      if (!r_.u8(lane)) return false;
      in.a = lane;
      return true;
    }
    case Imm::kRefType: {
      uint8_t t;
      if (!r_.u8(t)) return false;
      if (t != 0x70 && t != 0x6F) return r_.fail_at(r_.offset() - 1, "malformed reference type");
      in.type = static_cast<ValType>(t);
      return true;
    }
    case Imm::kSelectT: {
      if (!r_.count(in.a)) return false;
      in.type = ValType::kBottom;
      for (uint32_t i = 0; i < in.a; ++i) {
        uint8_t t;
        if (!r_.u8(t)) return false;
        if (!is_value_type_byte(t, ctx_.features))
          return r_.fail_at(r_.offset() - 1, "malformed value type");
        if (i == 0) in.type = static_cast<ValType>(t);
      }
      return true;
    }
  }
  return r_.fail("illegal opcode");
}

void br_table_targets(const Module& m, const Instr& in, std::vector<uint32_t>& out) {
  Reader r(m.bytes.data() + in.b, m.bytes.data() + m.bytes.size(), in.b, true);
  for (uint64_t i = 0; i <= in.a; ++i) {
    uint32_t t = 0;
    r.u32(t);
    out.push_back(t);
  }
}

}  // namespace ws::engine
