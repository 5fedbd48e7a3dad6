// Internal: the section-by-section decoder shared by decoder.cpp, sections.cpp, code.cpp.
#pragma once

#include <string>

#include "engine/decode/decoder.h"

#include "engine/ast/module.h"
#include "engine/decode/instr_reader.h"
#include "engine/decode/reader.h"

namespace ws::engine::detail {

enum SectionId : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElement = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
};
const char* section_name(uint8_t id);

class Decoder {
 public:
  Decoder(Module& m, const Features& f) : m_(m), ctx_{f} {}

  // Each returns false with the error recorded in `r`.
  bool section(uint8_t id, Reader& r);
  bool type_section(Reader& r);
  bool import_section(Reader& r);
  bool function_section(Reader& r);
  bool table_section(Reader& r);
  bool memory_section(Reader& r);
  bool global_section(Reader& r);
  bool export_section(Reader& r);
  bool start_section(Reader& r);
  bool element_section(Reader& r);
  bool data_count_section(Reader& r);
  bool code_section(Reader& r);
  bool data_section(Reader& r);
  bool custom_section(Reader& r);

  bool val_type(Reader& r, ValType& t);
  bool ref_type(Reader& r, ValType& t);
  bool limits(Reader& r, Limits& l, bool memory);
  bool table_type(Reader& r, TableType& t);
  bool global_type(Reader& r, GlobalType& t);
  // Scans an expression up to and including its final `end`; `span` gets its bytes.
  bool expr(Reader& r, ByteSpan& span);
  bool function_body(Reader& r, uint32_t size, Code& code);

  // Set once the function section was seen, to check against the code section.
  uint32_t declared_functions = 0;
  // Frame function bodies only; validation decodes their instructions (BodyCheck::kDeferred).
  bool defer_bodies = false;
  // Offset of the first memory.init or data.drop seen without a data count section.
  size_t first_data_use = 0;

 private:
  bool scan_instructions(Reader& r, bool is_body);
  bool elem_list(Reader& r, ElemSegment& seg, bool exprs);

  Module& m_;
  InstrContext ctx_;
  std::vector<uint8_t> control_;  // nesting kinds while scanning a body
};

void decode_name_section(Module& m, ByteSpan content);

}  // namespace ws::engine::detail
