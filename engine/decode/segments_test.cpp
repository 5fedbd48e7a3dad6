// Unit tests of decode_module: element, data and data count sections, custom and name sections.
#include <string>
#include <vector>

#include "engine/decode/decoder.h"
#include "engine/decode/test_builder.h"
#include "gtest/gtest.h"

namespace ws::engine {
namespace {

using namespace testing;  // NOLINT: the byte builder, section ids, decode helpers

std::string text(const Module& m, ByteSpan s) {
  return std::string(reinterpret_cast<const char*>(m.data(s)), s.size);
}

// Sections start at 8 (after the header): id at 8, size at 9, content from 10.

TEST(ElementSection, AllEightForms) {
  Bytes seg0{0x00, 0x41, 0x00, 0x0B, 0x01, 0x00};
  Bytes seg1{0x01, 0x00, 0x02, 0x00, 0x00};
  Bytes seg2{0x02, 0x01, 0x41, 0x05, 0x0B, 0x00, 0x01, 0x00};
  Bytes seg3{0x03, 0x00, 0x01, 0x00};
  Bytes seg4{0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B};
  Bytes seg5{0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B};
  Bytes seg6{0x06, 0x02, 0x41, 0x00, 0x0B, 0x70, 0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B};
  Bytes seg7{0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B};
  Module m =
      decode_ok(module({type_void(), one_func(),
                        section(kElementId, vec({seg0, seg1, seg2, seg3, seg4, seg5, seg6, seg7})),
                        one_empty_body()}));
  ASSERT_EQ(m.elems.size(), 8u);
  const std::vector<ElemSegment>& e = m.elems;

  EXPECT_EQ(e[0].mode, SegmentMode::kActive);
  EXPECT_EQ(e[0].table, 0u);
  EXPECT_EQ(e[0].offset.size, 3u);
  EXPECT_EQ(e[0].type, ValType::kFuncRef);
  EXPECT_FALSE(e[0].uses_exprs);
  EXPECT_EQ(e[0].func_indices, std::vector<uint32_t>{0});

  EXPECT_EQ(e[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(e[1].func_indices, (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(e[1].size(), 2u);

  EXPECT_EQ(e[2].mode, SegmentMode::kActive);
  EXPECT_EQ(e[2].table, 1u);
  EXPECT_EQ(m.bytes[e[2].offset.offset + 1], 0x05);
  EXPECT_EQ(e[2].func_indices, std::vector<uint32_t>{0});

  EXPECT_EQ(e[3].mode, SegmentMode::kDeclarative);
  EXPECT_EQ(e[3].func_indices, std::vector<uint32_t>{0});

  EXPECT_EQ(e[4].mode, SegmentMode::kActive);
  EXPECT_TRUE(e[4].uses_exprs);
  EXPECT_EQ(e[4].type, ValType::kFuncRef);
  ASSERT_EQ(e[4].exprs.size(), 1u);
  EXPECT_EQ(e[4].exprs[0].size, 3u);
  EXPECT_EQ(m.bytes[e[4].exprs[0].offset], 0xD2);

  EXPECT_EQ(e[5].mode, SegmentMode::kPassive);
  EXPECT_TRUE(e[5].uses_exprs);
  EXPECT_EQ(e[5].type, ValType::kExternRef);
  EXPECT_EQ(e[5].size(), 1u);

  EXPECT_EQ(e[6].mode, SegmentMode::kActive);
  EXPECT_EQ(e[6].table, 2u);
  EXPECT_EQ(e[6].type, ValType::kFuncRef);
  EXPECT_EQ(e[6].size(), 2u);

  EXPECT_EQ(e[7].mode, SegmentMode::kDeclarative);
  EXPECT_TRUE(e[7].uses_exprs);
  EXPECT_EQ(e[7].size(), 1u);
}

TEST(ElementSection, Errors) {
  // count at 10, flags at 11.
  expect_malformed(module({section(kElementId, Bytes{0x01, 0x08, 0x00})}),
                   "element section, offset 0xb: malformed elements segment kind");
  expect_malformed(module({section(kElementId, Bytes{0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0x00})}),
                   "element section, offset 0xf: integer too large");
  expect_malformed(module({section(kElementId, Bytes{0x01, 0x01, 0x01, 0x00})}),
                   "element section, offset 0xc: malformed element kind");
  expect_malformed(module({section(kElementId, Bytes{0x01, 0x05, 0x7F, 0x00})}),
                   "element section, offset 0xc: malformed reference type");
  expect_malformed(module({section(kElementId, Bytes{0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x00})}),
                   "element section, offset 0xf: unexpected end of section or function");
  // An expression list whose last expression lacks its end.
  expect_malformed(module({section(kElementId, Bytes{0x01, 0x05, 0x70, 0x01, 0xD2, 0x00})}),
                   "element section, offset 0x10: unexpected end of section or function");
}

TEST(DataSection, ThreeForms) {
  Bytes seg0 = Bytes{0x00, 0x41, 0x00, 0x0B}.str("hi");
  Bytes seg1 = Bytes{0x01}.str("abc");
  Bytes seg2 = Bytes{0x02, 0x01, 0x41, 0x08, 0x0B}.str("");
  Module m = decode_ok(
      module({section(kMemoryId, Bytes{0x01, 0x00, 0x01}), section(kDataCountId, Bytes{0x03}),
              section(kDataId, vec({seg0, seg1, seg2}))}));
  ASSERT_EQ(m.datas.size(), 3u);
  EXPECT_EQ(m.data_count, 3u);
  EXPECT_EQ(m.datas[0].mode, SegmentMode::kActive);
  EXPECT_EQ(m.datas[0].memory, 0u);
  EXPECT_EQ(m.datas[0].offset.size, 3u);
  EXPECT_EQ(text(m, m.datas[0].init), "hi");
  EXPECT_EQ(m.datas[1].mode, SegmentMode::kPassive);
  EXPECT_EQ(text(m, m.datas[1].init), "abc");
  EXPECT_EQ(m.datas[2].mode, SegmentMode::kActive);
  EXPECT_EQ(m.datas[2].memory, 1u);
  EXPECT_EQ(m.bytes[m.datas[2].offset.offset + 1], 0x08);
  EXPECT_EQ(m.datas[2].init.size, 0u);
}

TEST(DataSection, Errors) {
  expect_malformed(module({section(kDataId, Bytes{0x01, 0x03, 0x00})}),
                   "data section, offset 0xb: malformed data segment kind");
  // Length 5 with one byte left.
  expect_malformed(module({section(kDataId, Bytes{0x01, 0x01, 0x05, 'a'})}),
                   "data section, offset 0xc: unexpected end of section or function");
  expect_malformed(module({section(kDataId, Bytes{0x01, 0x00, 0x41, 0x00, 0x00, 0x00})}),
                   "data section, offset 0x10: unexpected end of section or function");
  expect_malformed(module({section(kDataId, Bytes{0x03, 0x01, 0x00})}),
                   "data section, offset 0xa: unexpected end of section or function");
}

TEST(DataCountSection, MustMatchTheDataSection) {
  Module m = decode_ok(module({section(kDataCountId, Bytes{0x00})}));
  EXPECT_EQ(m.data_count, 0u);
  std::vector<uint8_t> more =
      module({section(kDataCountId, Bytes{0x02}), section(kDataId, vec({Bytes{0x01, 0x00}}))});
  expect_malformed(more,
                   "module, offset 0x10: data count and data section have inconsistent "
                   "lengths");
  expect_malformed(module({section(kDataCountId, Bytes{0x01})}),
                   "module, offset 0xb: data count and data section have inconsistent lengths");
  expect_malformed(
      module({section(kDataCountId, Bytes{0x00}), section(kDataId, vec({Bytes{0x01, 0x00}}))}),
      "module, offset 0x10: data count and data section have inconsistent lengths");
  expect_malformed(module({section(kDataCountId, Bytes{})}),
                   "datacount section, offset 0xa: unexpected end of section or function");
  expect_malformed(module({section(kDataCountId, Bytes{0x01, 0x00})}),
                   "datacount section, offset 0xb: section size mismatch");
}

TEST(CustomSection, KeptWithItsContent) {
  Module m = decode_ok(module({section(kCustomId, Bytes().str("hello").raw({1, 2, 3})),
                               section(kCustomId, Bytes().str(""))}));
  ASSERT_EQ(m.customs.size(), 2u);
  EXPECT_EQ(m.customs[0].name, "hello");
  EXPECT_EQ(m.customs[0].content.offset, 16u);
  EXPECT_EQ(m.customs[0].content.size, 3u);
  EXPECT_EQ(m.bytes[16], 1);
  EXPECT_EQ(m.customs[1].name, "");
  EXPECT_EQ(m.customs[1].content.size, 0u);
}

TEST(CustomSection, Errors) {
  expect_malformed(module({section(kCustomId, Bytes{})}),
                   "custom section, offset 0xa: unexpected end of section or function");
  expect_malformed(module({section(kCustomId, Bytes{0x05, 'a', 'b'})}),
                   "custom section, offset 0xa: length out of bounds");
  expect_malformed(module({section(kCustomId, Bytes{0x02, 0xC0, 0x80})}),
                   "custom section, offset 0xa: malformed UTF-8 encoding");
  // A custom section whose size runs past the end of the file.
  expect_malformed(module({Bytes{kCustomId, 0x26, 0x01, 'a'}}),
                   "custom section, offset 0xa: length out of bounds");
}

Bytes subsection(uint8_t id, const Bytes& content) { return section(id, content); }

TEST(NameSection, ModuleFunctionAndLocalNames) {
  Bytes names;
  names.str("name");
  names.add(subsection(0, Bytes().str("mod")));
  names.add(subsection(1, vec({Bytes().u32(0).str("main"), Bytes().u32(3).str("helper")})));
  names.add(subsection(
      2, vec({Bytes().u32(0).add(vec({Bytes().u32(0).str("x"), Bytes().u32(2).str("y")})),
              Bytes().u32(3).add(vec({}))})));
  names.add(subsection(7, Bytes{0x01, 0x02}));  // unknown subsections are skipped
  Module m = decode_ok(module({section(kCustomId, names)}));
  EXPECT_EQ(m.names.module_name, "mod");
  ASSERT_EQ(m.names.functions.size(), 2u);
  EXPECT_EQ(m.names.functions.at(0), "main");
  EXPECT_EQ(m.names.functions.at(3), "helper");
  ASSERT_EQ(m.names.locals.count(0), 1u);
  EXPECT_EQ(m.names.locals.at(0).size(), 2u);
  EXPECT_EQ(m.names.locals.at(0).at(0), "x");
  EXPECT_EQ(m.names.locals.at(0).at(2), "y");
  ASSERT_EQ(m.customs.size(), 1u);
  EXPECT_EQ(m.customs[0].name, "name");
}

TEST(NameSection, MalformedContentIsIgnored) {
  // Function names: a good entry, then a bad UTF-8 one; the module still decodes and the names
  // read before the damage are kept.
  Bytes names;
  names.str("name");
  names.add(subsection(0, Bytes().str("ok")));
  names.add(subsection(1, Bytes{0x02, 0x00, 0x01, 'a', 0x01, 0x01, 0xFF}));
  names.add(subsection(2, Bytes{0x05}));  // count larger than the subsection
  names.raw({0x01, 0x7F});                // subsection size past the end
  Module m = decode_ok(module({section(kCustomId, names)}));
  EXPECT_EQ(m.names.module_name, "ok");
  EXPECT_EQ(m.names.functions.size(), 1u);
  EXPECT_EQ(m.names.functions.at(0), "a");
  EXPECT_TRUE(m.names.locals.empty());
}

}  // namespace
}  // namespace ws::engine
