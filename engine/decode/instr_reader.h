// Decodes one instruction at a time from an encoded body; shared by decoder, validator, codegen.
#pragma once

#include "engine/ast/instr.h"
#include "engine/ast/module.h"
#include "engine/decode/reader.h"

namespace ws::engine {

// Module facts the immediates depend on.
struct InstrContext {
  Features features;
};

class InstrReader {
 public:
  InstrReader(const Module& m, ByteSpan span, const InstrContext& ctx)
      : r_(m.bytes.data() + span.offset, m.bytes.data() + span.offset + span.size, span.offset,
           false),
        ctx_(ctx) {}

  bool at_end() const { return r_.at_end(); }
  // Decodes the next instruction; false with reader().error() set on malformed input.
  bool next(Instr& out);
  Reader& reader() { return r_; }

 private:
  bool immediates(Instr& in);
  bool memarg(MemArg& m);
  bool memory_index(uint32_t& idx);
  bool table_index(uint32_t& idx);
  bool zero_byte(uint32_t& idx);
  bool block_type(BlockType& bt);

  Reader r_;
  const InstrContext& ctx_;
};

// Appends the br_table targets of `in` (the default last) to `out`; `in` came from next().
void br_table_targets(const Module& m, const Instr& in, std::vector<uint32_t>& out);

}  // namespace ws::engine
