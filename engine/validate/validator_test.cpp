// Validator unit tests: side table contents, feature gating and error wording on small modules.
#include "engine/validate/validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "engine/decode/decoder.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

using ::testing::HasSubstr;

// Assembles WAT text (invalid modules included) into a decoded module.
Module assemble(const std::string& wat, const Features& f = {}) {
  auto m = decode_module(ws::testing::wat_to_wasm(wat, /*validate=*/false), f);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(*m) : Module{};
}

std::string invalid(const std::string& wat, const Features& f = {}) {
  Module m = assemble(wat, f);
  auto r = validate_module(m, f);
  EXPECT_FALSE(r.ok()) << wat;
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(Validator, SideTableRecordsBlocksStackAndDepth) {
  Module m = assemble(R"((module
    (func $f (param i32) (result i32)
      (block (result i32)
        (loop (result i32)
          (if (result i32) (local.get 0)
            (then (i32.const 1))
            (else (i32.const 2) (i32.const 3) (i32.add))))))))");
  auto r = validate_module(m);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->functions.size(), 1u);
  const FunctionInfo& fi = r->functions[0];
  ASSERT_EQ(fi.blocks.size(), 3u);
  EXPECT_EQ(fi.max_depth, 3u);
  EXPECT_EQ(fi.max_stack, 2u);
  for (const BlockInfo& b : fi.blocks) {
    EXPECT_LT(b.begin, b.end);
    EXPECT_EQ(m.bytes[b.end], 0x0B);
  }
  const BlockInfo& if_block = fi.blocks[2];
  EXPECT_EQ(m.bytes[if_block.begin], 0x04);
  EXPECT_EQ(m.bytes[if_block.else_offset], 0x05);
  EXPECT_EQ(fi.blocks[0].else_offset, 0u);
  // Nesting: each block closes after the blocks inside it.
  EXPECT_GT(fi.blocks[0].end, fi.blocks[1].end);
  EXPECT_GT(fi.blocks[1].end, fi.blocks[2].end);
}

TEST(Validator, SideTableMarksFunctionsThatUseSimd) {
  Module m = assemble(R"((module
    (func (result i32) (i32.const 1))
    (func (result i32) (i32x4.extract_lane 2 (v128.const i32x4 1 2 3 4)))
    (func (param v128) (result v128) (local.get 0))))");
  auto r = validate_module(m);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->functions.size(), 3u);
  EXPECT_FALSE(r->functions[0].uses_simd);
  EXPECT_TRUE(r->functions[1].uses_simd);
  EXPECT_FALSE(r->functions[2].uses_simd);  // v128 values alone are no SIMD instruction
}

TEST(Validator, DeclaredRefsComeFromExportsElemsAndGlobals) {
  Module m = assemble(R"((module
    (table 1 funcref)
    (func $a) (func $b) (func $c) (func $d)
    (export "a" (func $a))
    (elem (i32.const 0) $b)
    (global funcref (ref.func $c))
    (func (drop (ref.func $a)))))");
  auto r = validate_module(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->declared_refs, (std::vector<bool>{true, true, true, false, false}));
}

TEST(Validator, UndeclaredFunctionReferenceIsInvalid) {
  EXPECT_THAT(invalid("(module (func $a) (func (drop (ref.func $a))))"),
              HasSubstr("undeclared function reference"));
}

TEST(Validator, ErrorsNameFunctionOffsetAndReason) {
  std::string msg = invalid("(module (func $main (result i32) (f32.const 1)))");
  EXPECT_THAT(msg, HasSubstr("function 0 ($main), offset 0x"));
  EXPECT_THAT(msg, HasSubstr("type mismatch: expected i32, got f32"));
  EXPECT_THAT(invalid("(module (func (local.get 3)))"), HasSubstr("unknown local 3"));
  EXPECT_THAT(invalid("(module (func (br 1)))"), HasSubstr("unknown label 1"));
  EXPECT_THAT(invalid("(module (func (drop (i32.load (i32.const 0)))))"),
              HasSubstr("unknown memory 0"));
  EXPECT_THAT(invalid("(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))"),
              HasSubstr("alignment must not be larger than natural"));
  EXPECT_THAT(invalid("(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))"),
              HasSubstr("global is immutable"));
}

TEST(Validator, BrTableArityAndTypes) {
  EXPECT_THAT(invalid(R"((module (func (param i32) (result i32)
      (block (result i32) (block (br_table 0 1 (i32.const 0) (local.get 0))) (i32.const 1)))))"),
              HasSubstr("arity"));
  Module ok = assemble(R"((module (func (param i32) (result i32)
      (block (result i32) (br_table 0 0 (i32.const 7) (local.get 0))))))");
  EXPECT_TRUE(validate_module(ok).ok());
}

TEST(Validator, UnreachableCodeIsPolymorphic) {
  Module m = assemble(R"((module (func (result i32)
      (unreachable) (i32.add) (select) (drop) (i64.const 0) (i64.eqz))))");
  EXPECT_TRUE(validate_module(m).ok());
  EXPECT_THAT(invalid("(module (func (result i32) (unreachable) (i64.const 0)))"),
              HasSubstr("type mismatch"));
}

TEST(Validator, SelectRequiresNumericOperandsWithoutType) {
  EXPECT_THAT(invalid(R"((module (func (param externref externref) (result externref)
      (select (local.get 0) (local.get 1) (i32.const 0)))))"),
              HasSubstr("type mismatch"));
  Module m = assemble(R"((module (func (param externref externref) (result externref)
      (select (result externref) (local.get 0) (local.get 1) (i32.const 0)))))");
  EXPECT_TRUE(validate_module(m).ok());
}

TEST(Validator, TailCallResultsMustMatchCaller) {
  EXPECT_THAT(invalid(R"((module (func $g (result i64) (i64.const 0))
      (func (result i32) (return_call $g))))"),
              HasSubstr("tail call"));
  Module m = assemble(R"((module (func $g (param i32) (result i32) (local.get 0))
      (func (result i32) (return_call $g (i32.const 1)))))");
  EXPECT_TRUE(validate_module(m).ok());
}

TEST(Validator, FeaturesGateMultipleMemoriesAndExtendedConst) {
  const char* two = "(module (memory 1) (memory 1))";
  EXPECT_TRUE(validate_module(assemble(two)).ok());
  EXPECT_THAT(invalid(two, Features::wasm2()), HasSubstr("multiple memories"));

  const char* tables = "(module (table 1 funcref) (table 1 funcref))";
  EXPECT_TRUE(validate_module(assemble(tables), Features::wasm2()).ok());
  Features mvp = Features::wasm2();
  mvp.reference_types = false;
  EXPECT_THAT(invalid(tables, mvp), HasSubstr("multiple tables"));

  const char* ext = "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))";
  EXPECT_TRUE(validate_module(assemble(ext)).ok());
  EXPECT_THAT(invalid(ext, Features::wasm2()), HasSubstr("constant expression required"));
}

TEST(Validator, Memory64UsesI64Addresses) {
  Module m = assemble(R"((module (memory i64 1)
      (func (param i64) (result i32) (i32.load offset=8 (local.get 0)))
      (func (result i64) (memory.grow (i64.const 1)))))");
  auto r = validate_module(m);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(invalid("(module (memory i64 1) (func (drop (i32.load (i32.const 0)))))"),
              HasSubstr("expected i64, got i32"));
}

TEST(Validator, MultiMemoryCopyBetweenMemories) {
  Module m = assemble(R"((module (memory 1) (memory 2)
      (func (memory.copy 1 0 (i32.const 0) (i32.const 0) (i32.const 4)))
      (func (drop (i32.load 1 (i32.const 0))))))");
  auto r = validate_module(m);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(invalid("(module (memory 1) (func (drop (i32.load 1 (i32.const 0)))))"),
              HasSubstr("unknown memory 1"));
}

TEST(Validator, ConstantExpressionsSeeOnlyImportedImmutableGlobals) {
  EXPECT_THAT(invalid("(module (global i32 (i32.const 0)) (global i32 (global.get 0)))"),
              HasSubstr("unknown global 0"));
  EXPECT_THAT(invalid(R"((module (import "m" "g" (global (mut i32)))
      (global i32 (global.get 0))))"),
              HasSubstr("constant expression required"));
  Module m = assemble(R"((module (import "m" "g" (global i32)) (global i32 (global.get 0))))");
  EXPECT_TRUE(validate_module(m).ok());
}

TEST(Validator, ModuleLevelRules) {
  EXPECT_THAT(invalid(R"((module (func) (export "a" (func 0)) (export "a" (func 0))))"),
              HasSubstr("duplicate export name"));
  EXPECT_THAT(invalid("(module (func (param i32)) (start 0))"), HasSubstr("start function"));
  EXPECT_THAT(invalid("(module (memory 65537))"), HasSubstr("at most 65536 pages"));
  EXPECT_THAT(invalid("(module (table 2 1 funcref))"),
              HasSubstr("size minimum must not be greater than maximum"));
  EXPECT_THAT(invalid("(module (table 1 externref) (func) (elem (i32.const 0) func 0))"),
              HasSubstr("type mismatch"));
}

TEST(Validator, SimdLaneIndicesAreBounded) {
  EXPECT_THAT(invalid(R"((module (func (result i32)
      (i32x4.extract_lane 4 (v128.const i32x4 0 0 0 0)))))"),
              HasSubstr("invalid lane index"));
  Module m = assemble(R"((module (func (result v128)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31
        (v128.const i64x2 0 0) (v128.const i64x2 0 0)))))");
  EXPECT_TRUE(validate_module(m).ok());
}

// A module with one function of type [] -> [] whose body (locals included) is `body`.
std::vector<uint8_t> one_function(std::vector<uint8_t> body) {
  std::vector<uint8_t> m = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0};
  m.push_back(10);
  m.push_back(static_cast<uint8_t>(body.size() + 2));
  m.push_back(1);
  m.push_back(static_cast<uint8_t>(body.size()));
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

std::string deferred_error(std::vector<uint8_t> bytes) {
  auto m = decode_module(bytes, Features{}, BodyCheck::kDeferred);
  EXPECT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(decode_module(bytes).ok()) << "the full decode must reject it";
  if (!m.ok()) return "";
  auto r = validate_module(*m);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : std::string(r.status().message());
}

TEST(Validator, DeferredBodiesAreCheckedByValidation) {
  EXPECT_THAT(deferred_error(one_function({0x00, 0xFF, 0x0B})), HasSubstr("illegal opcode"));
  EXPECT_THAT(deferred_error(one_function({0x00, 0x0B, 0x01})), HasSubstr("section size mismatch"));
  EXPECT_THAT(deferred_error(one_function({0x00, 0x01})), HasSubstr("unexpected end"));
  auto ok = decode_module(one_function({0x00, 0x01, 0x0B}), Features{}, BodyCheck::kDeferred);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(validate_module(*ok).ok());
}

}  // namespace
}  // namespace ws::engine
