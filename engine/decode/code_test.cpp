// Unit tests of the code section (locals, body framing, nesting) and of InstrReader immediates.
#include <string>
#include <vector>

#include "engine/decode/decoder.h"
#include "engine/decode/instr_reader.h"
#include "engine/decode/test_builder.h"
#include "gtest/gtest.h"

namespace ws::engine {
namespace {

using testing::body;
using testing::Bytes;
using testing::decode_ok;
using testing::expect_malformed;
using testing::kCodeId;
using testing::kDataCountId;
using testing::kDataId;
using testing::kFunctionId;
using testing::kMemoryId;
using testing::module;
using testing::one_func;
using testing::section;
using testing::type_void;
using testing::vec;

// type (8..13), function (14..17), code section at 18: size at 19, count at 20, the body's
// size at 21 and its local declarations from 22 (while all sizes fit in one byte).
std::vector<uint8_t> one_body(const Bytes& b) {
  return module({type_void(), one_func(), section(kCodeId, vec({b}))});
}
constexpr uint32_t kLocals = 22;

// Same with a memory section (18..22) first: the local declarations start at 27.
std::vector<uint8_t> one_body_with_memory(const Bytes& b) {
  return module({type_void(), one_func(), section(kMemoryId, Bytes{0x01, 0x00, 0x01}),
                 section(kCodeId, vec({b}))});
}

// Same followed by a data section with one passive segment.
std::vector<uint8_t> one_body_with_data(const Bytes& b) {
  return module({type_void(), one_func(), section(kMemoryId, Bytes{0x01, 0x00, 0x01}),
                 section(kCodeId, vec({b})), section(kDataId, vec({Bytes{0x01, 0x00}}))});
}

TEST(CodeSection, LocalsAndBodySpan) {
  Module m = decode_ok(one_body(body({{2, 0x7F}, {1, 0x7E}, {0, 0x7D}, {3, 0x7B}}, Bytes{0x0B})));
  ASSERT_EQ(m.codes.size(), 1u);
  const Code& c = m.codes[0];
  ASSERT_EQ(c.locals.size(), 4u);
  EXPECT_EQ(c.locals[0].count, 2u);
  EXPECT_EQ(c.locals[0].type, ValType::kI32);
  EXPECT_EQ(c.locals[1].type, ValType::kI64);
  EXPECT_EQ(c.locals[2].count, 0u);
  EXPECT_EQ(c.locals[3].type, ValType::kV128);
  EXPECT_EQ(c.num_locals, 6u);
  EXPECT_EQ(c.body.offset, kLocals + 1 + 4 * 2);
  EXPECT_EQ(c.body.size, 1u);
  EXPECT_EQ(m.bytes[c.body.offset], 0x0B);
}

TEST(CodeSection, BodiesFollowEachOther) {
  Module m = decode_ok(module(
      {type_void(), section(kFunctionId, Bytes{0x02, 0x00, 0x00}),
       section(kCodeId, vec({body({}, Bytes{0x41, 0x01, 0x1A, 0x0B}), body({}, Bytes{0x0B})}))}));
  ASSERT_EQ(m.codes.size(), 2u);
  // code section at 19: size 20, count 21, body 0 size 22, decls 23, instructions 24..27.
  EXPECT_EQ(m.codes[0].body.offset, 24u);
  EXPECT_EQ(m.codes[0].body.size, 4u);
  EXPECT_EQ(m.codes[1].body.offset, 30u);
  EXPECT_EQ(m.codes[1].body.size, 1u);
}

TEST(CodeSection, TooManyLocals) {
  // The spec's case: 0xFFFFFFFF i32 plus 2 i64 overflow u32.
  Bytes spec_case{0x0A, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x02, 0x7E, 0x0B};
  expect_malformed(one_body(spec_case), "code section, offset 0x1f: too many locals");
  // Beyond the implementation limit, in one declaration or several.
  expect_malformed(one_body(body({{50001, 0x7F}}, Bytes{0x0B})),
                   "code section, offset 0x1b: too many locals: more than the implementation "
                   "limit of 50000 locals");
  expect_malformed(one_body(body({{30000, 0x7F}, {20001, 0x7C}}, Bytes{0x0B})),
                   "code section, offset 0x1f: too many locals: more than the implementation "
                   "limit of 50000 locals");
  EXPECT_EQ(
      decode_ok(one_body(body({{30000, 0x7F}, {20000, 0x7C}}, Bytes{0x0B}))).codes[0].num_locals,
      50000u);
}

TEST(CodeSection, LocalErrors) {
  expect_malformed(one_body(body({{1, 0x40}}, Bytes{0x0B})),
                   "code section, offset 0x18: malformed value type");
  // 255 declarations announced in a 3-byte body.
  expect_malformed(one_body(Bytes{0x03, 0xFF, 0x01, 0x0B}),
                   "code section, offset 0x16: unexpected end of section or function");
  // The declarations run past the body's size.
  expect_malformed(one_body(Bytes{0x01, 0x01, 0x01, 0x7F, 0x0B}),
                   "code section, offset 0x19: section size mismatch");
}

TEST(CodeSection, BodySizeMismatch) {
  // One byte left over after the final end.
  expect_malformed(one_body(Bytes{0x03, 0x00, 0x0B, 0x01}),
                   "code section, offset 0x19: section size mismatch");
  // A second end at the top level.
  expect_malformed(one_body(body({}, Bytes{0x0B, 0x0B})),
                   "code section, offset 0x19: section size mismatch");
  // The end comes after the declared size.
  expect_malformed(one_body(Bytes{0x02, 0x00, 0x01, 0x0B}),
                   "code section, offset 0x18: section size mismatch");
  // Size larger than the section.
  expect_malformed(one_body(Bytes{0x10, 0x00, 0x0B}),
                   "code section, offset 0x16: unexpected end of section or function");
  expect_malformed(one_body(Bytes{0x80}),
                   "code section, offset 0x14: unexpected end of section or function");
}

TEST(CodeSection, MissingEnd) {
  // The last body: the scan reaches the end of the section.
  expect_malformed(one_body(body({}, Bytes{0x01})),
                   "code section, offset 0x18: unexpected end of section or function");
  expect_malformed(one_body(body({}, Bytes{0x02, 0x40, 0x0B})),
                   "code section, offset 0x1a: unexpected end of section or function");
  // binary.wast's case: body 0 lacks its end and body 1's size byte (0x05) reads as `else`.
  std::vector<uint8_t> spec_case =
      module({type_void(), section(kFunctionId, Bytes{0x02, 0x00, 0x00}),
              section(kCodeId, Bytes{0x02, 0x04, 0x00, 0x41, 0x01, 0x1A, 0x05, 0x00, 0x41, 0x01,
                                     0x1A, 0x0B})});
  expect_malformed(spec_case, "code section, offset 0x1b: END opcode expected");
}

TEST(CodeSection, ElseOnlyOnceInsideIf) {
  expect_malformed(one_body(body({}, Bytes{0x05, 0x0B})),
                   "code section, offset 0x17: END opcode expected");
  expect_malformed(one_body(body({}, Bytes{0x41, 0x00, 0x04, 0x40, 0x05, 0x05, 0x0B, 0x0B})),
                   "code section, offset 0x1c: END opcode expected");
  expect_malformed(
      one_body(body({}, Bytes{0x41, 0x00, 0x04, 0x40, 0x02, 0x40, 0x05, 0x0B, 0x0B, 0x0B})),
      "code section, offset 0x1d: END opcode expected");
  expect_malformed(one_body(body({}, Bytes{0x03, 0x40, 0x05, 0x0B, 0x0B})),
                   "code section, offset 0x19: END opcode expected");
  // Well nested: if/else/end, if without else, else of an inner if.
  decode_ok(one_body(body({}, Bytes{0x41, 0x00, 0x04, 0x40, 0x41, 0x00, 0x04, 0x40, 0x05, 0x0B,
                                    0x05, 0x0B, 0x41, 0x00, 0x04, 0x40, 0x0B, 0x0B})));
}

TEST(CodeSection, DataCountRequiredForMemoryInitAndDataDrop) {
  // locals at 27, instructions from 28.
  Bytes init = body({}, Bytes{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00, 0x0B});
  expect_malformed(one_body_with_data(init),
                   "code section, offset 0x22: data count section required");
  Bytes drop = body({}, Bytes{0xFC, 0x09, 0x00, 0x0B});
  expect_malformed(one_body_with_data(drop),
                   "code section, offset 0x1c: data count section required");
  // The first use is reported.
  expect_malformed(
      one_body_with_data(body({}, Bytes{0x01, 0xFC, 0x09, 0x00, 0xFC, 0x09, 0x00, 0x0B})),
      "code section, offset 0x1d: data count section required");
  // Without any data segment the index is unknown whatever the count: left to validation.
  decode_ok(one_body_with_memory(init));
  decode_ok(one_body_with_memory(drop));
  for (const Bytes& b : {init, drop}) {
    Module m =
        decode_ok(module({type_void(), one_func(), section(kMemoryId, Bytes{0x01, 0x00, 0x01}),
                          section(kDataCountId, Bytes{0x01}), section(kCodeId, vec({b})),
                          section(kDataId, vec({Bytes{0x01, 0x00}}))}));
    EXPECT_EQ(m.data_count, 1u);
  }
  // Other bulk instructions do not need it.
  decode_ok(one_body_with_memory(
      body({}, Bytes{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0B, 0x00, 0x0B})));
}

TEST(CodeSection, IllegalOpcodes) {
  expect_malformed(one_body(body({}, Bytes{0x06, 0x0B})),
                   "code section, offset 0x17: illegal opcode");
  expect_malformed(one_body(body({}, Bytes{0xFF, 0x0B})),
                   "code section, offset 0x17: illegal opcode");
  expect_malformed(one_body(body({}, Bytes{0xFC, 0x12, 0x0B})),
                   "code section, offset 0x17: illegal opcode");
  expect_malformed(one_body(body({}, Bytes{0xFC, 0xFF, 0xFF, 0x03, 0x0B})),
                   "code section, offset 0x17: illegal opcode");
  expect_malformed(one_body(body({}, Bytes{0xFD, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0B})),
                   "code section, offset 0x1c: integer too large");
  // A non-minimal sub-opcode is fine: 0xFC 0x80 0x00 is i32.trunc_sat_f32_s.
  decode_ok(one_body(body({}, Bytes{0x43, 0, 0, 0, 0, 0xFC, 0x80, 0x00, 0x1A, 0x0B})));
}

TEST(CodeSection, FeatureGatedOpcodes) {
  Features w2 = Features::wasm2();
  std::vector<uint8_t> tail = one_body(body({}, Bytes{0x12, 0x00, 0x0B}));
  decode_ok(tail);
  expect_malformed(tail, "code section, offset 0x17: illegal opcode", w2);
  std::vector<uint8_t> relaxed = one_body(body({}, Bytes{0xFD, 0x80, 0x02, 0x0B}));
  decode_ok(relaxed);
  expect_malformed(relaxed, "code section, offset 0x17: illegal opcode", w2);
  Features no_simd;
  no_simd.simd = false;
  expect_malformed(one_body(body({}, Bytes{0xFD, 0x0F, 0x0B})),
                   "code section, offset 0x17: illegal opcode", no_simd);
}

TEST(CodeSection, MemoryIndexImmediates) {
  Features w2 = Features::wasm2();
  expect_malformed(one_body_with_memory(body({}, Bytes{0x3F, 0x01, 0x1A, 0x0B})),
                   "code section, offset 0x1d: zero byte expected", w2);
  expect_malformed(one_body_with_memory(body({}, Bytes{0x41, 0x00, 0x40, 0x80, 0x00, 0x1A, 0x0B})),
                   "code section, offset 0x1f: zero byte expected", w2);
  // With multi-memory the byte is a memory index (the validator checks it exists).
  decode_ok(one_body_with_memory(body({}, Bytes{0x3F, 0x01, 0x1A, 0x0B})));
  // memory64: memarg offsets are u64; Wasm 2.0 bounds them to u32.
  Bytes far = body({}, Bytes{0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1A, 0x0B});
  decode_ok(one_body_with_memory(far));
  expect_malformed(one_body_with_memory(far), "code section, offset 0x24: integer too large", w2);
}

TEST(CodeSection, ReferenceTypesGate) {
  Features mvp = Features::wasm2();
  mvp.reference_types = false;
  // call_indirect's table immediate is a reserved zero byte without reference types.
  Bytes call = body({}, Bytes{0x41, 0x00, 0x11, 0x00, 0x01, 0x0B});
  decode_ok(one_body(call));
  expect_malformed(one_body(call), "code section, offset 0x1b: zero byte expected", mvp);
  decode_ok(one_body(body({}, Bytes{0x41, 0x00, 0x11, 0x00, 0x00, 0x0B})), mvp);
  // table.copy's two table bytes likewise.
  expect_malformed(
      one_body(body({}, Bytes{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x0E, 0x00, 0x01, 0x0B})),
      "code section, offset 0x20: zero byte expected", mvp);
  // The proposal's instructions are illegal opcodes, and reference types are not value types.
  expect_malformed(one_body(body({}, Bytes{0xD0, 0x70, 0x1A, 0x0B})),
                   "code section, offset 0x17: illegal opcode", mvp);
  expect_malformed(one_body(body({}, Bytes{0xFC, 0x10, 0x00, 0x1A, 0x0B})),
                   "code section, offset 0x17: illegal opcode", mvp);
  decode_ok(one_body(body({}, Bytes{0xFC, 0x10, 0x00, 0x1A, 0x0B})));
  expect_malformed(one_body(body({{1, 0x6F}}, Bytes{0x0B})),
                   "code section, offset 0x18: malformed value type", mvp);
}

TEST(CodeSection, BlockTypes) {
  decode_ok(one_body(body({}, Bytes{0x02, 0x00, 0x0B, 0x0B})));  // type index 0
  decode_ok(one_body(body({}, Bytes{0x02, 0x7F, 0x41, 0x00, 0x0B, 0x1A, 0x0B})));
  expect_malformed(one_body(body({}, Bytes{0x02, 0x60, 0x0B, 0x0B})),
                   "code section, offset 0x18: malformed block type");
  expect_malformed(one_body(body({}, Bytes{0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0B, 0x0B})),
                   "code section, offset 0x1c: integer too large");
  expect_malformed(one_body(body({}, Bytes{0x02})),
                   "code section, offset 0x18: unexpected end of section or function");
}

TEST(CodeSection, CountAgainstSectionSize) {
  expect_malformed(
      module({type_void(), one_func(), section(kCodeId, Bytes{0x05, 0x02, 0x00, 0x0B})}),
      "code section, offset 0x14: unexpected end of section or function");
}

// Decodes every instruction of the module's single body.
std::vector<Instr> instructions(const Module& m, const Features& f = {}) {
  InstrContext ctx{f};
  InstrReader ir(m, m.codes.at(0).body, ctx);
  std::vector<Instr> out;
  while (!ir.at_end()) {
    Instr in;
    EXPECT_TRUE(ir.next(in)) << ir.reader().error();
    if (!ir.reader().ok()) break;
    out.push_back(in);
  }
  return out;
}

TEST(InstrReader, BrTableTargets) {
  Module m = decode_ok(one_body(
      body({}, Bytes{0x02, 0x40, 0x41, 0x00, 0x0E, 0x02, 0x00, 0x81, 0x00, 0x00, 0x0B, 0x0B})));
  std::vector<Instr> ins = instructions(m);
  ASSERT_EQ(ins.size(), 5u);
  EXPECT_EQ(ins[2].op, Opcode::kBrTable);
  EXPECT_EQ(ins[2].offset, 27u);
  EXPECT_EQ(ins[2].a, 2u);
  std::vector<uint32_t> targets;
  br_table_targets(m, ins[2], targets);
  EXPECT_EQ(targets, (std::vector<uint32_t>{0, 1, 0}));
  EXPECT_EQ(ins[3].op, Opcode::kEnd);
  EXPECT_EQ(ins[3].offset, 33u);

  expect_malformed(one_body(body({}, Bytes{0x0E, 0xFF, 0xFF, 0x03, 0x00, 0x0B})),
                   "code section, offset 0x18: unexpected end of section or function");
}

TEST(InstrReader, Immediates) {
  Bytes code;
  code.raw({0x20, 0x05});                    // local.get 5
  code.raw({0x41, 0x7F});                    // i32.const -1
  code.u8(0x42).s64(INT64_MIN);              // i64.const
  code.raw({0x43, 0x00, 0x00, 0x80, 0x3F});  // f32.const 1.0
  code.raw({0x44, 1, 2, 3, 4, 5, 6, 7, 8});  // f64.const
  code.raw({0x28, 0x02, 0x10});              // i32.load align=2 offset=16
  code.raw({0x28, 0x42, 0x01, 0x08});        // i32.load memory 1 offset=8
  code.raw({0x11, 0x03, 0x01});              // call_indirect type 3 table 1
  code.raw({0x1C, 0x01, 0x7E});              // select (result i64)
  code.raw({0xD0, 0x6F});                    // ref.null extern
  code.raw({0xFC, 0x0A, 0x01, 0x02});        // memory.copy 1 2
  code.raw({0xFC, 0x0C, 0x04, 0x05});        // table.init elem 4 table 5
  code.raw({0xFC, 0x08, 0x06, 0x00});        // memory.init data 6 mem 0
  code.raw({0xFD, 0x0C, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});  // v128.const
  code.raw({0xFD, 0x15, 0x03});              // i8x16.extract_lane_s 3
  code.raw({0xFD, 0x54, 0x00, 0x07, 0x0F});  // v128.load8_lane
  code.raw({0x0B});
  Module m = decode_ok(module({type_void(), one_func(), section(kDataCountId, Bytes{0x00}),
                               section(kCodeId, vec({body({}, code)}))}));
  std::vector<Instr> ins = instructions(m);
  ASSERT_EQ(ins.size(), 17u);
  EXPECT_EQ(ins[0].op, Opcode::kLocalGet);
  EXPECT_EQ(ins[0].a, 5u);
  EXPECT_EQ(ins[1].i32, -1);
  EXPECT_EQ(ins[2].op, Opcode::kI64Const);
  EXPECT_EQ(ins[2].i64, INT64_MIN);
  EXPECT_EQ(ins[3].f32, 0x3F800000u);
  EXPECT_EQ(ins[4].f64, 0x0807060504030201u);
  EXPECT_EQ(ins[5].mem.align, 2u);
  EXPECT_EQ(ins[5].mem.memory, 0u);
  EXPECT_EQ(ins[5].mem.offset, 16u);
  EXPECT_EQ(ins[6].mem.align, 2u);
  EXPECT_EQ(ins[6].mem.memory, 1u);
  EXPECT_EQ(ins[6].mem.offset, 8u);
  EXPECT_EQ(ins[7].op, Opcode::kCallIndirect);
  EXPECT_EQ(ins[7].a, 3u);
  EXPECT_EQ(ins[7].b, 1u);
  EXPECT_EQ(ins[8].op, Opcode::kSelectT);
  EXPECT_EQ(ins[8].a, 1u);
  EXPECT_EQ(ins[8].type, ValType::kI64);
  EXPECT_EQ(ins[9].type, ValType::kExternRef);
  EXPECT_EQ(ins[10].op, Opcode::kMemoryCopy);
  EXPECT_EQ(ins[10].a, 1u);
  EXPECT_EQ(ins[10].b, 2u);
  EXPECT_EQ(ins[11].op, Opcode::kTableInit);
  EXPECT_EQ(ins[11].a, 4u);
  EXPECT_EQ(ins[11].b, 5u);
  EXPECT_EQ(ins[12].op, Opcode::kMemoryInit);
  EXPECT_EQ(ins[12].a, 6u);
  EXPECT_EQ(ins[12].b, 0u);
  EXPECT_EQ(ins[13].op, Opcode::kV128Const);
  EXPECT_EQ(ins[13].v128[0], 0);
  EXPECT_EQ(ins[13].v128[15], 15);
  EXPECT_EQ(ins[14].op, Opcode::kI8x16ExtractLaneS);
  EXPECT_EQ(ins[14].a, 3u);
  EXPECT_EQ(ins[15].op, Opcode::kV128Load8Lane);
  EXPECT_EQ(ins[15].mem.offset, 7u);
  EXPECT_EQ(ins[15].a, 15u);
  EXPECT_EQ(ins[16].op, Opcode::kEnd);
}

TEST(InstrReader, RejectsBadImmediates) {
  expect_malformed(one_body(body({}, Bytes{0xD0, 0x7F, 0x1A, 0x0B})),
                   "code section, offset 0x18: malformed reference type");
  expect_malformed(one_body(body({}, Bytes{0x1C, 0x01, 0x40, 0x0B})),
                   "code section, offset 0x19: malformed value type");
  expect_malformed(one_body(body({}, Bytes{0xFD, 0x0C, 0x00, 0x0B})),
                   "code section, offset 0x19: unexpected end of section or function");
  expect_malformed(one_body(body({}, Bytes{0x43, 0x00, 0x0B})),
                   "code section, offset 0x18: unexpected end of section or function");
}

}  // namespace
}  // namespace ws::engine
