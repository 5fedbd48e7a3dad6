// Unit tests of decode_module: header, framing, section order and the declaration sections.
#include <string>
#include <vector>

#include "engine/decode/decoder.h"
#include "engine/decode/test_builder.h"
#include "gtest/gtest.h"

namespace ws::engine {
namespace {

using namespace testing;  // NOLINT: the byte builder, section ids, decode helpers

// Header: offsets 0-7; the first section id is at 8, its size at 9, its content from 10.

TEST(Header, EmptyModule) {
  Module m = decode_ok(module({}));
  EXPECT_TRUE(m.types.empty());
  EXPECT_TRUE(m.functions.empty());
  EXPECT_FALSE(m.start.has_value());
  EXPECT_FALSE(m.data_count.has_value());
  EXPECT_EQ(m.bytes.size(), 8u);
}

TEST(Header, Errors) {
  expect_malformed({}, "module header, offset 0x0: unexpected end");
  expect_malformed({0x00, 0x61, 0x73}, "module header, offset 0x0: unexpected end");
  expect_malformed({0x00, 0x61, 0x73, 0x6D}, "module header, offset 0x4: unexpected end");
  expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00},
                   "module header, offset 0x4: unexpected end");
  expect_malformed({0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00},
                   "module header, offset 0x0: magic header not detected");
  expect_malformed({0xEF, 0xBB, 0xBF, 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00},
                   "module header, offset 0x0: magic header not detected");
  expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00},
                   "module header, offset 0x4: unknown binary version");
  expect_malformed({0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x01},
                   "module header, offset 0x4: unknown binary version");
}

TEST(Sections, UnknownIdAndFraming) {
  expect_malformed(module({Bytes{0x0D, 0x00}}), "module, offset 0x8: malformed section id");
  expect_malformed(module({Bytes{0x7F, 0x00}}), "module, offset 0x8: malformed section id");
  expect_malformed(module({Bytes{0x80, 0x00, 0x01, 0x00}}),
                   "module, offset 0x8: malformed section id");
  expect_malformed(module({type_void(), Bytes{0xFF}}), "module, offset 0xe: malformed section id");
  // Section size runs past the end of the file.
  expect_malformed(module({Bytes{kTypeId, 0x07, 0x01, 0x60, 0x00, 0x00}}),
                   "type section, offset 0xa: length out of bounds");
  // Section size missing or unterminated.
  expect_malformed(module({Bytes{kTypeId}}), "type section, offset 0x9: unexpected end");
  expect_malformed(module({Bytes{kTypeId, 0x80}}), "type section, offset 0xa: unexpected end");
  expect_malformed(module({Bytes{kTypeId, 0x80, 0x80, 0x80, 0x80, 0x10}}),
                   "type section, offset 0xd: integer too large");
  // Content shorter than the declared size: the leftover byte is reported.
  expect_malformed(module({Bytes{kTypeId, 0x05, 0x01, 0x60, 0x00, 0x00, 0x00}}),
                   "type section, offset 0xe: section size mismatch");
  // Content longer than the declared size: decoding stops at the section's end.
  expect_malformed(module({Bytes{kTypeId, 0x04, 0x01, 0x60, 0x01, 0x7F, 0x00}}),
                   "type section, offset 0xe: unexpected end of section or function");
}

TEST(Sections, Order) {
  // function before type.
  expect_malformed(module({one_func(), type_void()}),
                   "type section, offset 0xc: unexpected content after last section");
  // The same section twice.
  expect_malformed(module({type_void(), type_void()}),
                   "type section, offset 0xe: unexpected content after last section");
  // data count after code.
  expect_malformed(
      module({type_void(), one_func(), one_empty_body(), section(kDataCountId, Bytes{0x00})}),
      "datacount section, offset 0x18: unexpected content after last section");
  // data count goes between element and code; custom sections go anywhere.
  Module m = decode_ok(module(
      {section(kCustomId, Bytes().str("a")), type_void(), section(kCustomId, Bytes().str("b")),
       one_func(), section(kElementId, Bytes{0x00}), section(kDataCountId, Bytes{0x00}),
       one_empty_body(), section(kDataId, Bytes{0x00}), section(kCustomId, Bytes().str("c"))}));
  ASSERT_EQ(m.customs.size(), 3u);
  EXPECT_EQ(m.customs[0].name, "a");
  EXPECT_EQ(m.customs[1].name, "b");
  EXPECT_EQ(m.customs[2].name, "c");
  EXPECT_EQ(m.data_count, 0u);
  // Empty sections count for ordering too.
  expect_malformed(module({section(kMemoryId, Bytes{0x00}), section(kTableId, Bytes{0x00})}),
                   "table section, offset 0xb: unexpected content after last section");
}

TEST(TypeSection, Decodes) {
  Bytes t1{0x60, 0x02, 0x7F, 0x7E, 0x01, 0x7D};
  Bytes t2{0x60, 0x00, 0x00};
  Bytes t3{0x60, 0x01, 0x7B, 0x03, 0x7C, 0x70, 0x6F};
  Module m = decode_ok(module({section(kTypeId, vec({t1, t2, t3}))}));
  ASSERT_EQ(m.types.size(), 3u);
  EXPECT_EQ(m.types[0].num_params, 2u);
  EXPECT_EQ(m.types[0].num_results(), 1u);
  EXPECT_EQ(m.types[0].param(0), ValType::kI32);
  EXPECT_EQ(m.types[0].param(1), ValType::kI64);
  EXPECT_EQ(m.types[0].result(0), ValType::kF32);
  EXPECT_EQ(m.types[1].types.size(), 0u);
  EXPECT_EQ(m.types[2].num_params, 1u);
  EXPECT_EQ(m.types[2].param(0), ValType::kV128);
  ASSERT_EQ(m.types[2].num_results(), 3u);
  EXPECT_EQ(m.types[2].result(0), ValType::kF64);
  EXPECT_EQ(m.types[2].result(1), ValType::kFuncRef);
  EXPECT_EQ(m.types[2].result(2), ValType::kExternRef);
  EXPECT_EQ(decode_ok(module({section(kTypeId, Bytes{0x00})})).types.size(), 0u);
}

TEST(TypeSection, Errors) {
  expect_malformed(module({section(kTypeId, Bytes{0x01, 0x61, 0x00, 0x00})}),
                   "type section, offset 0xb: malformed function type");
  expect_malformed(module({section(kTypeId, Bytes{0x01, 0x60, 0x01, 0x40, 0x00})}),
                   "type section, offset 0xd: malformed value type");
  expect_malformed(module({section(kTypeId, Bytes{0x01, 0x60, 0x00, 0x01, 0x00})}),
                   "type section, offset 0xe: malformed value type");
  // Two types declared, bytes for one.
  expect_malformed(module({section(kTypeId, Bytes{0x02, 0x60, 0x00, 0x00})}),
                   "type section, offset 0xa: unexpected end of section or function");
  // A parameter count larger than the section.
  expect_malformed(module({section(kTypeId, Bytes{0x01, 0x60, 0xFF, 0xFF, 0x03, 0x00})}),
                   "type section, offset 0xc: unexpected end of section or function");
}

Bytes import(std::string_view mod, std::string_view name, const Bytes& desc) {
  Bytes b;
  b.str(mod).str(name).add(desc);
  return b;
}

TEST(ImportSection, AllFourKinds) {
  Module m = decode_ok(module(
      {type_void(), section(kImportId, vec({import("env", "f", Bytes{0x00, 0x00}),
                                            import("env", "t", Bytes{0x01, 0x70, 0x01, 0x01, 0x02}),
                                            import("env", "mem", Bytes{0x02, 0x00, 0x03}),
                                            import("", "g", Bytes{0x03, 0x7E, 0x01}),
                                            import("env", "g2", Bytes{0x03, 0x7F, 0x00})}))}));
  ASSERT_EQ(m.imports.size(), 5u);
  EXPECT_EQ(m.imports[0].module, "env");
  EXPECT_EQ(m.imports[0].name, "f");
  EXPECT_EQ(m.imports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(m.imports[0].func_type, 0u);
  EXPECT_EQ(m.imports[1].kind, ExternKind::kTable);
  EXPECT_EQ(m.imports[1].table.elem, ValType::kFuncRef);
  EXPECT_EQ(m.imports[1].table.limits.min, 1u);
  EXPECT_EQ(m.imports[1].table.limits.max, 2u);
  EXPECT_EQ(m.imports[2].kind, ExternKind::kMemory);
  EXPECT_EQ(m.imports[2].memory.limits.min, 3u);
  EXPECT_FALSE(m.imports[2].memory.limits.max.has_value());
  EXPECT_EQ(m.imports[3].module, "");
  EXPECT_EQ(m.imports[3].kind, ExternKind::kGlobal);
  EXPECT_EQ(m.imports[3].global.type, ValType::kI64);
  EXPECT_TRUE(m.imports[3].global.mut);
  EXPECT_FALSE(m.imports[4].global.mut);

  // Imports come first in each index space.
  EXPECT_EQ(m.functions, std::vector<uint32_t>{0});
  EXPECT_EQ(m.num_imported_funcs, 1u);
  EXPECT_EQ(m.num_imported_tables, 1u);
  EXPECT_EQ(m.num_imported_memories, 1u);
  EXPECT_EQ(m.num_imported_globals, 2u);
  EXPECT_EQ(m.tables.size(), 1u);
  EXPECT_EQ(m.memories.size(), 1u);
  ASSERT_EQ(m.globals.size(), 2u);
  EXPECT_EQ(m.globals[0].type.type, ValType::kI64);
  EXPECT_EQ(m.globals[0].init.size, 0u);
}

TEST(ImportSection, Errors) {
  // count, "m", "f" at 10..14, kind at 15.
  expect_malformed(module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x01, 'f', 0x04, 0x00})}),
                   "import section, offset 0xf: malformed import kind");
  expect_malformed(module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x01, 'f', 0x7F, 0x00})}),
                   "import section, offset 0xf: malformed import kind");
  expect_malformed(module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x01, 0xFF, 0x00, 0x00})}),
                   "import section, offset 0xd: malformed UTF-8 encoding");
  expect_malformed(module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x09, 'f', 0x00, 0x00})}),
                   "import section, offset 0xd: length out of bounds");
  expect_malformed(module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x01, 'f', 0x00})}),
                   "import section, offset 0x10: unexpected end of section or function");
  expect_malformed(
      module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x02})}),
      "import section, offset 0x11: malformed mutability");
  expect_malformed(
      module({section(kImportId, Bytes{0x01, 0x01, 'm', 0x01, 't', 0x01, 0x7F, 0x00, 0x00})}),
      "import section, offset 0x10: malformed reference type");
}

TEST(FunctionSection, Decodes) {
  Bytes two_types = section(kTypeId, vec({Bytes{0x60, 0x00, 0x00}, Bytes{0x60, 0x01, 0x7F, 0x00}}));
  Module m = decode_ok(module({two_types, section(kFunctionId, Bytes{0x03, 0x01, 0x00, 0x01}),
                               section(kCodeId, vec({body({}, Bytes{0x0B}), body({}, Bytes{0x0B}),
                                                     body({}, Bytes{0x0B})}))}));
  EXPECT_EQ(m.functions, (std::vector<uint32_t>{1, 0, 1}));
  EXPECT_EQ(m.codes.size(), 3u);
  EXPECT_EQ(m.func_type(0).num_params, 1u);
}

TEST(FunctionSection, CodeCountMismatch) {
  // Declared functions without a code section: reported at the end of the module.
  expect_malformed(module({type_void(), one_func()}),
                   "module, offset 0x12: function and code section have inconsistent lengths");
  // Two declared, one body.
  expect_malformed(
      module({type_void(), section(kFunctionId, Bytes{0x02, 0x00, 0x00}), one_empty_body()}),
      "code section, offset 0x16: function and code section have inconsistent "
      "lengths");
  // Bodies without a function section.
  expect_malformed(module({type_void(), one_empty_body()}),
                   "code section, offset 0x11: function and code section have inconsistent "
                   "lengths");
  // An empty function section and no code section is fine.
  EXPECT_EQ(decode_ok(module({type_void(), section(kFunctionId, Bytes{0x00})})).codes.size(), 0u);
  expect_malformed(module({section(kFunctionId, Bytes{0x02, 0x00})}),
                   "function section, offset 0xa: unexpected end of section or function");
}

TEST(TableSection, Decodes) {
  Module m = decode_ok(
      module({section(kTableId, Bytes{0x02, 0x70, 0x00, 0x01, 0x6F, 0x01, 0x00, 0xFF, 0x01})}));
  ASSERT_EQ(m.tables.size(), 2u);
  EXPECT_EQ(m.tables[0].elem, ValType::kFuncRef);
  EXPECT_EQ(m.tables[0].limits.min, 1u);
  EXPECT_FALSE(m.tables[0].limits.max.has_value());
  EXPECT_EQ(m.tables[1].elem, ValType::kExternRef);
  EXPECT_EQ(m.tables[1].limits.min, 0u);
  EXPECT_EQ(m.tables[1].limits.max, 255u);
  EXPECT_FALSE(m.tables[1].limits.is64);
}

TEST(TableSection, Errors) {
  expect_malformed(module({section(kTableId, Bytes{0x01, 0x7F, 0x00, 0x00})}),
                   "table section, offset 0xb: malformed reference type");
  // Wasm 2.0 limits flags are a one-bit LEB128 number, and the spec words errors that way.
  expect_malformed(module({section(kTableId, Bytes{0x01, 0x70, 0x02, 0x00})}),
                   "table section, offset 0xc: integer too large: malformed limits flags");
  expect_malformed(module({section(kTableId, Bytes{0x01, 0x70, 0x81, 0x00, 0x00})}),
                   "table section, offset 0xc: integer representation too long: malformed limits "
                   "flags");
  // The 64-bit flag is for memories only.
  expect_malformed(module({section(kTableId, Bytes{0x01, 0x70, 0x04, 0x00})}),
                   "table section, offset 0xc: integer too large: malformed limits flags");
  expect_malformed(
      module({section(kTableId, Bytes{0x01, 0x70, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F})}),
      "table section, offset 0x11: integer too large");
  expect_malformed(module({section(kTableId, Bytes{0x01, 0x70, 0x01, 0x00})}),
                   "table section, offset 0xe: unexpected end of section or function");
}

TEST(MemorySection, Decodes) {
  Module m =
      decode_ok(module({section(kMemoryId, Bytes{0x02, 0x00, 0x01, 0x01, 0x00, 0x80, 0x02})}));
  ASSERT_EQ(m.memories.size(), 2u);
  EXPECT_EQ(m.memories[0].limits.min, 1u);
  EXPECT_FALSE(m.memories[0].limits.max.has_value());
  EXPECT_EQ(m.memories[1].limits.min, 0u);
  EXPECT_EQ(m.memories[1].limits.max, 256u);
  EXPECT_FALSE(m.memories[1].limits.is64);
}

TEST(MemorySection, Wasm2LimitsAreU32) {
  Features f = Features::wasm2();
  std::vector<uint8_t> big =
      module({section(kMemoryId, Bytes{0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10})});
  expect_malformed(big, "memory section, offset 0x10: integer too large", f);
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x04, 0x00})}),
                   "memory section, offset 0xb: integer too large: malformed limits flags", f);
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x02, 0x00, 0x00})}),
                   "memory section, offset 0xb: integer too large: malformed limits flags", f);
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x81, 0x00, 0x00})}),
                   "memory section, offset 0xb: integer representation too long: malformed "
                   "limits flags",
                   f);
  expect_malformed(
      module({section(kMemoryId, Bytes{0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00})}),
      "memory section, offset 0x10: integer representation too long", f);
}

TEST(MemorySection, Memory64LimitsAreU64) {
  Features f;
  ASSERT_TRUE(f.memory64);
  Module m = decode_ok(module({section(kMemoryId, Bytes()
                                                      .u32(2)
                                                      .u8(0x05)
                                                      .u32(uint64_t{1} << 32)
                                                      .u32(uint64_t{1} << 48)
                                                      .u8(0x04)
                                                      .u32(0x10000))}),
                       f);
  ASSERT_EQ(m.memories.size(), 2u);
  EXPECT_TRUE(m.memories[0].limits.is64);
  EXPECT_EQ(m.memories[0].limits.min, uint64_t{1} << 32);
  EXPECT_EQ(m.memories[0].limits.max, uint64_t{1} << 48);
  EXPECT_TRUE(m.memories[1].limits.is64);
  EXPECT_FALSE(m.memories[1].limits.max.has_value());
  // A 32-bit memory's limits are read as u64 too; the validator bounds them.
  Module m2 =
      decode_ok(module({section(kMemoryId, Bytes{0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10})}), f);
  EXPECT_FALSE(m2.memories[0].limits.is64);
  EXPECT_EQ(m2.memories[0].limits.min, uint64_t{1} << 32);
  // Ten bytes are the limit of a u64.
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x00, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80,
                                                    0x80, 0x80, 0x80, 0x80, 0x00})}),
                   "memory section, offset 0x15: integer representation too long", f);
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x04, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80,
                                                    0x80, 0x80, 0x80, 0x70})}),
                   "memory section, offset 0x15: integer too large", f);
  // Shared (threads) is not supported.
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x03, 0x00, 0x00})}),
                   "memory section, offset 0xb: malformed limits flags", f);
  expect_malformed(module({section(kMemoryId, Bytes{0x01, 0x81, 0x00, 0x00})}),
                   "memory section, offset 0xb: malformed limits flags", f);
  // Imported memories follow the same rule.
  Module m3 = decode_ok(
      module({section(
          kImportId,
          vec({import("m", "mem", Bytes{0x02, 0x05, 0x01, 0x80, 0x80, 0x80, 0x80, 0x20})}))}),
      f);
  EXPECT_TRUE(m3.memories[0].limits.is64);
  EXPECT_EQ(m3.memories[0].limits.max, uint64_t{2} << 32);
}

TEST(GlobalSection, Decodes) {
  // count at 10; global 0 at 11 (type, mut, init 13..15); global 1 at 16 (init 18..20).
  Module m = decode_ok(module({section(
      kGlobalId, Bytes{0x02, 0x7F, 0x00, 0x41, 0x2A, 0x0B, 0x7E, 0x01, 0x42, 0x7F, 0x0B})}));
  ASSERT_EQ(m.globals.size(), 2u);
  EXPECT_EQ(m.globals[0].type.type, ValType::kI32);
  EXPECT_FALSE(m.globals[0].type.mut);
  EXPECT_EQ(m.globals[0].init.offset, 13u);
  EXPECT_EQ(m.globals[0].init.size, 3u);
  EXPECT_EQ(m.globals[1].type.type, ValType::kI64);
  EXPECT_TRUE(m.globals[1].type.mut);
  EXPECT_EQ(m.globals[1].init.offset, 18u);
  EXPECT_EQ(m.globals[1].init.size, 3u);
  EXPECT_EQ(m.num_imported_globals, 0u);
}

TEST(GlobalSection, Errors) {
  expect_malformed(module({section(kGlobalId, Bytes{0x01, 0x7F, 0x02, 0x41, 0x00, 0x0B})}),
                   "global section, offset 0xc: malformed mutability");
  expect_malformed(module({section(kGlobalId, Bytes{0x01, 0x7F, 0xFF, 0x41, 0x00, 0x0B})}),
                   "global section, offset 0xc: malformed mutability");
  expect_malformed(module({section(kGlobalId, Bytes{0x01, 0x60, 0x00, 0x41, 0x00, 0x0B})}),
                   "global section, offset 0xb: malformed value type");
  expect_malformed(module({section(kGlobalId, Bytes{0x01, 0x7F, 0x00, 0x41, 0x00})}),
                   "global section, offset 0xf: unexpected end of section or function");
  expect_malformed(module({section(kGlobalId, Bytes{0x01, 0x7F, 0x00, 0xFF, 0x0B})}),
                   "global section, offset 0xd: illegal opcode");
  expect_malformed(module({section(kGlobalId, Bytes{0x01, 0x7F, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80,
                                                    0x80, 0x00, 0x0B})}),
                   "global section, offset 0x12: integer representation too long");
}

TEST(ExportSection, Decodes) {
  Module m = decode_ok(module({section(
      kExportId,
      vec({Bytes().str("f").u8(0x00).u32(0), Bytes().str("tab").u8(0x01).u32(1),
           Bytes().str("mem").u8(0x02).u32(2), Bytes().str("\xC3\xA9").u8(0x03).u32(300)}))}));
  ASSERT_EQ(m.exports.size(), 4u);
  EXPECT_EQ(m.exports[0].name, "f");
  EXPECT_EQ(m.exports[0].kind, ExternKind::kFunc);
  EXPECT_EQ(m.exports[1].kind, ExternKind::kTable);
  EXPECT_EQ(m.exports[1].index, 1u);
  EXPECT_EQ(m.exports[2].kind, ExternKind::kMemory);
  EXPECT_EQ(m.exports[3].name, "\xC3\xA9");
  EXPECT_EQ(m.exports[3].kind, ExternKind::kGlobal);
  EXPECT_EQ(m.exports[3].index, 300u);
}

TEST(ExportSection, Errors) {
  expect_malformed(module({section(kExportId, Bytes{0x01, 0x01, 'x', 0x04, 0x00})}),
                   "export section, offset 0xd: malformed export kind");
  expect_malformed(module({section(kExportId, Bytes{0x01, 0x02, 0xED, 0xA0, 0x00, 0x00})}),
                   "export section, offset 0xb: malformed UTF-8 encoding");
  expect_malformed(module({section(kExportId, Bytes{0x01, 0x01, 'x', 0x00})}),
                   "export section, offset 0xe: unexpected end of section or function");
}

TEST(StartSection, Decodes) {
  Module m = decode_ok(
      module({type_void(), one_func(), section(kStartId, Bytes{0x00}), one_empty_body()}));
  EXPECT_EQ(m.start, 0u);
  Module big = decode_ok(module({section(kStartId, Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0x0F})}));
  EXPECT_EQ(big.start, UINT32_MAX);
}

TEST(StartSection, Errors) {
  expect_malformed(module({section(kStartId, Bytes{0x80, 0x80, 0x80, 0x80, 0x10})}),
                   "start section, offset 0xe: integer too large");
  expect_malformed(module({section(kStartId, Bytes{})}),
                   "start section, offset 0xa: unexpected end of section or function");
  expect_malformed(module({section(kStartId, Bytes{0x00, 0x00})}),
                   "start section, offset 0xb: section size mismatch");
  expect_malformed(module({section(kStartId, Bytes{0x00}), section(kStartId, Bytes{0x00})}),
                   "start section, offset 0xb: unexpected content after last section");
}

}  // namespace
}  // namespace ws::engine
