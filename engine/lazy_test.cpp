// The lazy JIT tier end to end: what compiles when, from several threads, and traps in lazily
// compiled functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <latch>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

EngineOptions lazy_options() {
  EngineOptions o;
  o.tier = EngineOptions::Tier::kLazy;
  return o;
}

// Function indices compiled so far (one entry per compiled function body).
std::vector<uint32_t> compiled(const CompiledModule& cm) {
  std::vector<uint32_t> out;
  for (const LiveRanges::Entry& e : cm.code->live_ranges->entries()) out.push_back(e.func_index);
  std::sort(out.begin(), out.end());
  return out;
}

std::shared_ptr<const CompiledModule> load_lazy(const std::string& wat) {
  auto cm = Engine(lazy_options()).load(ws::testing::wat_to_wasm(wat));
  EXPECT_TRUE(cm.ok()) << cm.status();
  return cm.ok() ? *cm : nullptr;
}

Outcome call(Store& store, const Instance& inst, std::string_view name,
             std::vector<abi::RawValue> args = {}) {
  auto out = call_export(store, inst, name, args);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : Outcome{};
}

TEST(LazyTier, CompilesOnlyTheFunctionsThatRun) {
  auto cm = load_lazy(R"((module
    (type $t (func (result i32)))
    (table funcref (elem $by_table))
    (func $run (export "run") (result i32)
      (i32.add (call $helper) (call_indirect (type $t) (i32.const 0))))
    (func $helper (result i32) (i32.const 40))
    (func $by_table (result i32) (i32.const 2))
    (func $never (export "never") (result i32) (call $never_either))
    (func $never_either (result i32) (i32.const 1))))");
  ASSERT_NE(cm, nullptr);
  ASSERT_NE(cm->code->live_ranges, nullptr);
  ASSERT_EQ(cm->code->functions.size(), 5u);
  for (void* stub : cm->code->functions) EXPECT_NE(stub, nullptr);
  EXPECT_TRUE(compiled(*cm).empty()) << "nothing runs before the first call";
  Store store;
  auto inst = instantiate(store, *cm, Linker());
  ASSERT_TRUE(inst.ok()) << inst.status();
  EXPECT_TRUE(compiled(*cm).empty()) << "instantiation calls nothing";
  Outcome o = call(store, **inst, "run");
  ASSERT_TRUE(o.returned());
  EXPECT_EQ(raw_as_i32(o.results[0]), 42);
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1, 2}));
  // Calls after the first go straight to the compiled code: nothing compiles again.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(raw_as_i32(call(store, **inst, "run").results[0]), 42);
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(raw_as_i32(call(store, **inst, "never").results[0]), 1);
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1, 2, 3, 4}));
}

TEST(LazyTier, ConcurrentFirstCallsCompileEachFunctionOnce) {
  auto cm = load_lazy(R"((module
    (func $a (export "a") (param i32) (result i32) (i32.add (call $b (local.get 0)) (i32.const 1)))
    (func $b (param i32) (result i32) (i32.mul (call $c (local.get 0)) (i32.const 2)))
    (func $c (param i32) (result i32) (i32.add (call $d (local.get 0)) (local.get 0)))
    (func $d (param i32) (result i32) (i32.sub (local.get 0) (i32.const 3)))))");
  ASSERT_NE(cm, nullptr);
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::vector<int32_t> results(kThreads, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store store;
      auto inst = instantiate(store, *cm, Linker());
      if (!inst.ok()) return;
      start.arrive_and_wait();
      auto out = call_export(store, **inst, "a", std::vector<abi::RawValue>{raw_i32(t + 10)});
      if (out.ok() && out->returned()) results[t] = raw_as_i32(out->results[0]);
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) {
    int32_t x = t + 10;
    EXPECT_EQ(results[t], (x - 3 + x) * 2 + 1) << "thread " << t;
  }
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1, 2, 3}));
}

TEST(LazyTier, ThreadsCallingManyFunctionsInDifferentOrdersCompileEachOnce) {
  // 48 functions $f<i> returning i * i + 1, reached through the table by "call".
  constexpr int kFuncs = 48;
  std::string wat = "(module (type $t (func (result i32))) (table funcref (elem";
  for (int i = 0; i < kFuncs; ++i) wat += absl::StrCat(" $f", i);
  wat +=
      "))\n (func (export \"call\") (param i32) (result i32)"
      " (call_indirect (type $t) (local.get 0)))\n";
  for (int i = 0; i < kFuncs; ++i) {
    wat += absl::StrCat(" (func $f", i, " (result i32) (i32.const ", i * i + 1, "))\n");
  }
  wat += ")";
  auto cm = load_lazy(wat);
  ASSERT_NE(cm, nullptr);
  constexpr int kThreads = 6;
  std::latch start(kThreads);
  std::vector<int> wrong(kThreads, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store store;
      auto inst = instantiate(store, *cm, Linker());
      if (!inst.ok()) return;
      start.arrive_and_wait();
      int bad = 0;
      for (int k = 0; k < kFuncs; ++k) {
        int i = (t % 2 == 0 ? k : kFuncs - 1 - k) * 7 % kFuncs;  // 7 is coprime to 48
        auto out = call_export(store, **inst, "call", std::vector<abi::RawValue>{raw_i32(i)});
        bad += !(out.ok() && out->returned() && raw_as_i32(out->results[0]) == i * i + 1);
      }
      wrong[t] = bad;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong, std::vector<int>(kThreads, 0));
  std::vector<uint32_t> all(kFuncs + 1);
  for (uint32_t i = 0; i <= kFuncs; ++i) all[i] = i;
  EXPECT_EQ(compiled(*cm), all) << "each function compiled exactly once";
}

TEST(LazyTier, TrapsInLazilyCompiledFunctionsNameThem) {
  auto cm = load_lazy(R"((module
    (type $t (func (param i32) (result i32)))
    (table funcref (elem $inner))
    (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
    (func $middle (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
    (func $outer (export "div") (param i32) (result i32)
      (i32.add (call $middle (local.get 0)) (i32.const 1)))
    (func $deep (export "deep") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0))
        (then (call $outer (i32.const 0)))
        (else (call $deep (i32.sub (local.get 0) (i32.const 1))))))))");
  ASSERT_NE(cm, nullptr);
  Store store;
  auto inst = instantiate(store, *cm, Linker());
  ASSERT_TRUE(inst.ok()) << inst.status();
  // The first call compiles and traps; later ones trap in the compiled code.
  for (int i = 0; i < 3; ++i) {
    Outcome o = call(store, **inst, "div", {raw_i32(0)});
    ASSERT_TRUE(o.trapped());
    EXPECT_EQ(o.trap.code, TrapCode::kIntegerDivideByZero);
    ASSERT_EQ(o.trap.backtrace.size(), 3u) << o.trap.to_string();
    EXPECT_EQ(o.trap.backtrace[0].func_name, "inner");
    EXPECT_EQ(o.trap.backtrace[1].func_name, "middle");
    EXPECT_EQ(o.trap.backtrace[2].func_name, "outer");
  }
  EXPECT_EQ(raw_as_i32(call(store, **inst, "div", {raw_i32(1)}).results[0]), 2);
  // A trap below 200 frames of a function compiled on its way down.
  Outcome o = call(store, **inst, "deep", {raw_i32(200)});
  ASSERT_TRUE(o.trapped());
  EXPECT_EQ(o.trap.code, TrapCode::kIntegerDivideByZero);
  ASSERT_GE(o.trap.backtrace.size(), 5u);
  EXPECT_EQ(o.trap.backtrace[0].func_name, "inner");
  EXPECT_EQ(o.trap.backtrace[3].func_name, "deep");
  EXPECT_EQ(o.trap.backtrace[4].func_name, "deep");
}

TEST(LazyTier, FirstCallsDeepInRecursionCompileAndStackExhaustionStillTraps) {
  // $down recurses n times, then calls $leaf (compiled there, near the bottom of the stack);
  // "forever" recurses until the stack limit.
  auto cm = load_lazy(R"((module
    (func $down (export "down") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0))
        (then (call $leaf))
        (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
    (func $leaf (result i32) (i32.const 7))
    (func $forever (export "forever") (param i32) (result i32)
      (i32.add (call $forever (local.get 0)) (i32.const 1)))))");
  ASSERT_NE(cm, nullptr);
  Store store;
  auto inst = instantiate(store, *cm, Linker());
  ASSERT_TRUE(inst.ok()) << inst.status();
  Outcome o = call(store, **inst, "forever", {raw_i32(1)});
  ASSERT_TRUE(o.trapped());
  EXPECT_EQ(o.trap.code, TrapCode::kCallStackExhausted);
  o = call(store, **inst, "down", {raw_i32(20000)});
  ASSERT_TRUE(o.returned()) << o.trap.to_string();
  EXPECT_EQ(raw_as_i32(o.results[0]), 20007);
}

TEST(LazyTier, CodeCompiledForAnEarlierInstanceIsAttributedInALaterOne) {
  auto cm = load_lazy(R"((module
    (func $f (export "f") (param i32) (result i32) (call $g (local.get 0)))
    (func $g (param i32) (result i32) (i32.rem_s (i32.const 7) (local.get 0)))))");
  ASSERT_NE(cm, nullptr);
  {
    Store store;  // compiles both functions, then ends the code's registration
    auto inst = instantiate(store, *cm, Linker());
    ASSERT_TRUE(inst.ok()) << inst.status();
    EXPECT_EQ(raw_as_i32(call(store, **inst, "f", {raw_i32(4)}).results[0]), 3);
  }
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1}));
  Store store;
  auto inst = instantiate(store, *cm, Linker());
  ASSERT_TRUE(inst.ok()) << inst.status();
  Outcome o = call(store, **inst, "f", {raw_i32(0)});
  ASSERT_TRUE(o.trapped());
  EXPECT_EQ(o.trap.code, TrapCode::kIntegerDivideByZero);
  ASSERT_EQ(o.trap.backtrace.size(), 2u) << o.trap.to_string();
  EXPECT_EQ(o.trap.backtrace[0].func_index, 1u);
  EXPECT_EQ(o.trap.backtrace[1].func_index, 0u);
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1}));
}

TEST(LazyTier, ManyTrapsInOneProcess) {
  auto cm = load_lazy(R"((module
    (func $t (export "t") (param i32) (result i32) (call $u (local.get 0)))
    (func $u (param i32) (result i32)
      (if (local.get 0) (then (unreachable)))
      (i32.const 5))))");
  ASSERT_NE(cm, nullptr);
  Store store;
  auto inst = instantiate(store, *cm, Linker());
  ASSERT_TRUE(inst.ok()) << inst.status();
  int traps = 0, attributed = 0;
  for (int i = 0; i < 100000; ++i) {
    Outcome o = call(store, **inst, "t", {raw_i32(1)});
    traps += o.trapped() && o.trap.code == TrapCode::kUnreachable;
    attributed += o.trap.backtrace.size() == 2 && o.trap.backtrace[0].func_index == 1;
  }
  EXPECT_EQ(traps, 100000);
  EXPECT_EQ(attributed, 100000);
  EXPECT_EQ(raw_as_i32(call(store, **inst, "t", {raw_i32(0)}).results[0]), 5);
  EXPECT_EQ(compiled(*cm), (std::vector<uint32_t>{0, 1}));
}

TEST(LazyTier, HostImportsAndExportsOfImportsWork) {
  Engine engine(lazy_options());
  Store store;
  Linker linker;
  int calls = 0;
  FuncType ft;
  ft.num_params = 1;
  ft.types = {ValType::kI32, ValType::kI32};
  FuncRecord* host = store.create_host_function(
      {ft,
       [&calls](Caller&, std::span<const abi::RawValue> args, std::span<abi::RawValue> res) {
         ++calls;
         res[0] = raw_i32(raw_as_i32(args[0]) * 3);
         return absl::OkStatus();
       },
       "triple"});
  linker.define("env", "triple", Extern::of(host));
  auto cm = engine.load(ws::testing::wat_to_wasm(R"((module
    (import "env" "triple" (func $triple (param i32) (result i32)))
    (func (export "f") (param i32) (result i32) (i32.add (call $triple (local.get 0)) (i32.const 1)))
    (export "triple" (func $triple))))"));
  ASSERT_TRUE(cm.ok()) << cm.status();
  auto inst = instantiate(store, **cm, linker);
  ASSERT_TRUE(inst.ok()) << inst.status();
  EXPECT_EQ(raw_as_i32(call(store, **inst, "f", {raw_i32(5)}).results[0]), 16);
  EXPECT_EQ(raw_as_i32(call(store, **inst, "triple", {raw_i32(2)}).results[0]), 6);
  EXPECT_EQ(calls, 2);
}

abi::RawValue raw_i16x8(std::initializer_list<int16_t> lanes) {
  abi::RawValue r{};
  std::memcpy(r.bytes, std::data(lanes), 16);
  return r;
}

// SIMD compiles lazily like everything else; v128 values cross calls, the trampolines and a
// host import's adapter in full.
TEST(LazyTier, CompilesSimdAtFirstCall) {
  Engine engine(lazy_options());
  Store store;
  Linker linker;
  FuncType ft;
  ft.num_params = 1;
  ft.types = {ValType::kV128, ValType::kV128};
  FuncRecord* host = store.create_host_function(
      {ft,
       [](Caller&, std::span<const abi::RawValue> args, std::span<abi::RawValue> res) {
         for (int i = 0; i < 16; ++i) res[0].bytes[i] = args[0].bytes[15 - i];
         return absl::OkStatus();
       },
       "reverse"});
  linker.define("env", "reverse", Extern::of(host));
  auto cm = engine.load(ws::testing::wat_to_wasm(R"((module
    (import "env" "reverse" (func $reverse (param v128) (result v128)))
    (func $dot (param v128 v128) (result v128) (i32x4.dot_i16x8_s (local.get 0) (local.get 1)))
    (func (export "sum") (param v128 v128) (result i32)
      (local $d v128)
      (local.set $d (call $dot (local.get 0) (local.get 1)))
      (i32.add (i32x4.extract_lane 0 (local.get $d)) (i32x4.extract_lane 3 (local.get $d))))
    (func (export "twice") (param v128) (result v128)
      (call $reverse (call $reverse (i16x8.add_sat_s (local.get 0) (local.get 0)))))))"));
  ASSERT_TRUE(cm.ok()) << cm.status();
  EXPECT_TRUE(compiled(**cm).empty());
  auto inst = instantiate(store, **cm, linker);
  ASSERT_TRUE(inst.ok()) << inst.status();
  Outcome o = call(store, **inst, "sum",
                   {raw_i16x8({1, 2, 3, 4, 5, 6, 7, 8}), raw_i16x8({1, 1, 1, 1, 1, 1, 1, 1000})});
  ASSERT_TRUE(o.returned());
  EXPECT_EQ(raw_as_i32(o.results[0]), 3 + 8007);
  EXPECT_EQ(compiled(**cm), (std::vector<uint32_t>{1, 2}));
  o = call(store, **inst, "twice", {raw_i16x8({1, -2, 20000, -20000, 0, 0, 0, 32767})});
  ASSERT_TRUE(o.returned());
  abi::RawValue want = raw_i16x8({2, -4, 32767, -32768, 0, 0, 0, 32767});
  EXPECT_EQ(std::memcmp(o.results[0].bytes, want.bytes, 16), 0);
  EXPECT_EQ(compiled(**cm), (std::vector<uint32_t>{1, 2, 3}));
}

}  // namespace
}  // namespace ws::engine
