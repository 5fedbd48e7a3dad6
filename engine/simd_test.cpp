// SIMD through the engine on both JIT tiers: v128 in globals, blocks, select and loops, and the
// relaxed dot products (whose spec file wast2json cannot convert) with their documented choice.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/engine.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

template <typename T, size_t N>
abi::RawValue v128(const T (&lanes)[N]) {
  static_assert(sizeof(T) * N == 16);
  abi::RawValue r{};
  std::memcpy(r.bytes, lanes, 16);
  return r;
}

template <typename T, size_t N>
void expect_lanes(const abi::RawValue& got, const T (&want)[N]) {
  T lanes[N];
  std::memcpy(lanes, got.bytes, 16);
  for (size_t i = 0; i < N; ++i) EXPECT_EQ(lanes[i], want[i]) << "lane " << i;
}

class SimdTest : public ::testing::TestWithParam<EngineOptions::Tier> {
 protected:
  Instance* load(std::vector<uint8_t> wasm) {
    EngineOptions o;
    o.tier = GetParam();
    auto cm = Engine(o).load(std::move(wasm));
    EXPECT_TRUE(cm.ok()) << cm.status();
    if (!cm.ok()) return nullptr;
    module_ = *cm;
    auto inst = instantiate(store_, *module_, Linker());
    EXPECT_TRUE(inst.ok()) << inst.status();
    return inst.ok() ? *inst : nullptr;
  }
  abi::RawValue call(Instance* inst, std::string_view name, std::vector<abi::RawValue> args) {
    auto out = call_export(store_, *inst, name, args);
    EXPECT_TRUE(out.ok() && out->returned() && out->results.size() == 1);
    return out.ok() && out->returned() && !out->results.empty() ? out->results[0] : abi::RawValue{};
  }

  Store store_;
  std::shared_ptr<const CompiledModule> module_;
};

TEST_P(SimdTest, V128InGlobalsBlocksSelectAndLoops) {
  Instance* inst = load(ws::testing::wat_to_wasm(R"((module
    (global $acc (export "acc") (mut v128) (v128.const i32x4 0 0 0 0))
    (func (export "run") (param $x v128) (param $n i32) (result v128) (local $v v128)
      local.get $x
      block $done (param v128) (result v128)
        loop $next (param v128) (result v128)
          local.set $v
          (global.set $acc (i32x4.add (global.get $acc) (local.get $v)))
          local.get $v
          (br_if $done (i32.eqz (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
          br $next
        end
      end
      global.get $acc
      i32x4.add
      (v128.const i64x2 -1 -1)
      (v128.any_true (global.get $acc))
      select (result v128))))"));
  ASSERT_NE(inst, nullptr);
  const int32_t x[4] = {1, -2, 3, 0x40000000};
  abi::RawValue r = call(inst, "run", {v128(x), raw_i32(3)});
  const int32_t acc[4] = {3, -6, 9, -0x40000000};  // 3 * 0x40000000 wraps
  const int32_t result[4] = {4, -8, 12, 0};        // acc + x
  expect_lanes(r, result);
  expect_lanes(inst->find_export("acc")->global->get(), acc);
}

// (module (func (export "d16") (param v128 v128) (result v128)
//           (i16x8.relaxed_dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
//         (func (export "d32") (param v128 v128 v128) (result v128)
//           (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2))))
// by hand: Debian's wabt 1.0.32 does not know these two instructions.
std::vector<uint8_t> relaxed_dot_module() {
  return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
          // types: (v128 v128) -> v128, (v128 v128 v128) -> v128
          0x01, 0x0e, 0x02, 0x60, 0x02, 0x7b, 0x7b, 0x01, 0x7b, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01,
          0x7b,
          // functions
          0x03, 0x03, 0x02, 0x00, 0x01,
          // exports "d16", "d32"
          0x07, 0x0d, 0x02, 0x03, 'd', '1', '6', 0x00, 0x00, 0x03, 'd', '3', '2', 0x00, 0x01,
          // code: 0xFD 0x112 and 0xFD 0x113
          0x0a, 0x17, 0x02, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x92, 0x02, 0x0b, 0x0b, 0x00,
          0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x93, 0x02, 0x0b};
}

TEST_P(SimdTest, RelaxedDotProductsFollowTheDocumentedChoice) {
  Instance* inst = load(relaxed_dot_module());
  ASSERT_NE(inst, nullptr);
  const int8_t iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const int16_t sums[8] = {1, 13, 41, 85, 145, 221, 313, 421};
  expect_lanes(call(inst, "d16", {v128(iota), v128(iota)}), sums);
  // Second operand within 7 bits: every implementation agrees.
  const int8_t a[16] = {-128, -128, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const int8_t b[16] = {127, 127, 127, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const int16_t edges[8] = {-32512, 32258, 0, 0, 0, 0, 0, 0};
  expect_lanes(call(inst, "d16", {v128(a), v128(b)}), edges);
  // The choice: the second operand's lanes are unsigned, each pair's sum saturates to i16.
  const int8_t big[16] = {-1, -1, -1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  const int16_t chosen[8] = {-32768, 127 * 255 + 127 * 1, 0, 0, 0, 0, 0, 0};  // signed: 256, 0
  expect_lanes(call(inst, "d16", {v128(a), v128(big)}), chosen);
  const int32_t acc[4] = {0, 1, 2, 3};
  const int32_t dots[4] = {14, 127, 368, 737};
  expect_lanes(call(inst, "d32", {v128(iota), v128(iota), v128(acc)}), dots);
  const int32_t acc2[4] = {1, 2, 3, 4};
  const int32_t sat[4] = {-32768 + 32512 + 1, 2, 3, 4};
  expect_lanes(call(inst, "d32", {v128(a), v128(big), v128(acc2)}), sat);
}

INSTANTIATE_TEST_SUITE_P(Tiers, SimdTest,
                         ::testing::Values(EngineOptions::Tier::kEager, EngineOptions::Tier::kLazy),
                         [](const auto& info) {
                           return info.param == EngineOptions::Tier::kEager ? "Eager" : "Lazy";
                         });

}  // namespace
}  // namespace ws::engine
