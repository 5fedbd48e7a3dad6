// End-to-end engine tests: compile with the JIT, instantiate, call, trap, link and interrupt.
#include "engine/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

using ::testing::HasSubstr;

struct Fixture {
  Engine engine;
  Store store;
  Linker linker;
  Instance* instance = nullptr;

  explicit Fixture(const std::string& wat) {
    auto cm = engine.load(ws::testing::wat_to_wasm(wat));
    EXPECT_TRUE(cm.ok()) << cm.status();
    if (!cm.ok()) return;
    module = *cm;
    auto inst = instantiate(store, *module, linker);
    EXPECT_TRUE(inst.ok()) << inst.status();
    if (inst.ok()) instance = *inst;
  }
  Outcome call(std::string_view name, std::vector<abi::RawValue> args = {}) {
    auto out = call_export(store, *instance, name, args);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : Outcome{};
  }
  std::shared_ptr<const CompiledModule> module;
};

TEST(Engine, ComputesRecursionLoopsAndMultiValue) {
  Fixture f(R"((module
    (func $fac (export "fac") (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
        (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
    (func (export "sum") (param i32) (result i32) (local i32)
      (block (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
      (local.get 1))
    (func (export "swap") (param i32 f64) (result f64 i32) (local.get 1) (local.get 0))))");
  ASSERT_NE(f.instance, nullptr);
  Outcome o = f.call("fac", {raw_i64(20)});
  ASSERT_TRUE(o.returned());
  EXPECT_EQ(raw_as_i64(o.results[0]), 2432902008176640000);
  EXPECT_EQ(raw_as_i32(f.call("sum", {raw_i32(100)}).results[0]), 5050);
  o = f.call("swap", {raw_i32(7), raw_f64(2.5)});
  ASSERT_EQ(o.results.size(), 2u);
  EXPECT_EQ(raw_as_f64(o.results[0]), 2.5);
  EXPECT_EQ(raw_as_i32(o.results[1]), 7);
}

TEST(Engine, TrapsCarryKindAndWasmBacktrace) {
  Fixture f(R"((module
    (memory 1)
    (type $t (func (param i32) (result i32)))
    (table funcref (elem $inner))
    (func $inner (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
    (func $outer (export "div") (param i32) (result i32)
      (call_indirect (type $t) (local.get 0) (i32.const 0)))
    (func (export "oob") (result i32) (i32.load (i32.const 65536)))
    (func (export "oob_far") (result i32) (i32.load offset=4000000000 (i32.const -1)))))");
  ASSERT_NE(f.instance, nullptr);
  Outcome o = f.call("div", {raw_i32(0)});
  ASSERT_TRUE(o.trapped());
  EXPECT_EQ(o.trap.code, TrapCode::kIntegerDivideByZero);
  ASSERT_GE(o.trap.backtrace.size(), 2u);
  EXPECT_EQ(o.trap.backtrace[0].func_name, "inner");
  EXPECT_EQ(o.trap.backtrace[1].func_name, "outer");
  EXPECT_EQ(f.call("oob").trap.code, TrapCode::kOutOfBoundsMemory);
  EXPECT_EQ(f.call("oob_far").trap.code, TrapCode::kOutOfBoundsMemory);
  EXPECT_EQ(raw_as_i32(f.call("div", {raw_i32(1)}).results[0]), 1);  // the store still works
}

TEST(Engine, Memory64ChecksBoundsExplicitly) {
  Fixture f(R"((module (memory i64 1)
    (func (export "load") (param i64) (result i32) (i32.load (local.get 0)))
    (func (export "grow") (result i64) (memory.grow (i64.const 1)))))");
  ASSERT_NE(f.instance, nullptr);
  EXPECT_TRUE(f.call("load", {raw_i64(65532)}).returned());
  EXPECT_EQ(f.call("load", {raw_i64(65533)}).trap.code, TrapCode::kOutOfBoundsMemory);
  EXPECT_EQ(f.call("load", {raw_i64(-1)}).trap.code, TrapCode::kOutOfBoundsMemory);
  EXPECT_EQ(raw_as_i64(f.call("grow").results[0]), 1);
  EXPECT_TRUE(f.call("load", {raw_i64(65533)}).returned());
}

TEST(Engine, DeepRecursionTrapsAndTailCallsDoNotGrowTheStack) {
  Fixture f(R"((module
    (func $runaway (export "runaway") (call $runaway))
    (func $loop (export "count") (param i64) (result i64)
      (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 42))
        (else (return_call $loop (i64.sub (local.get 0) (i64.const 1))))))))");
  ASSERT_NE(f.instance, nullptr);
  EXPECT_EQ(f.call("runaway").trap.code, TrapCode::kCallStackExhausted);
  Outcome o = f.call("count", {raw_i64(10'000'000)});
  ASSERT_TRUE(o.returned());
  EXPECT_EQ(raw_as_i64(o.results[0]), 42);
}

TEST(Engine, ManyTrapsInOneProcess) {
  Fixture f("(module (func (export \"t\") (unreachable)))");
  ASSERT_NE(f.instance, nullptr);
  int traps = 0;
  for (int i = 0; i < 100000; ++i) traps += f.call("t").trapped();
  EXPECT_EQ(traps, 100000);
}

TEST(Engine, HostFunctionsAndInstancesLink) {
  Engine engine;
  Store store;
  Linker linker;
  int32_t seen = 0;
  FuncType ft;
  ft.types = {ValType::kI32, ValType::kI32};
  ft.num_params = 1;
  FuncRecord* host = store.create_host_function(
      {ft,
       [&](Caller&, std::span<const abi::RawValue> args, std::span<abi::RawValue> results) {
         seen = raw_as_i32(args[0]);
         results[0] = raw_i32(seen * 2);
         return absl::OkStatus();
       },
       "double"});
  linker.define("env", "double", Extern::of(host));
  auto a = engine.load(ws::testing::wat_to_wasm(R"((module
    (import "env" "double" (func $d (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) (call $d (call $d (local.get 0))))))"));
  ASSERT_TRUE(a.ok()) << a.status();
  auto ia = instantiate(store, **a, linker);
  ASSERT_TRUE(ia.ok()) << ia.status();
  linker.define_instance("a", **ia);
  auto b = engine.load(ws::testing::wat_to_wasm(R"((module
    (import "a" "quad" (func $q (param i32) (result i32)))
    (table funcref (elem $q))
    (type $t (func (param i32) (result i32)))
    (func (export "via_table") (param i32) (result i32)
      (call_indirect (type $t) (local.get 0) (i32.const 0)))))"));
  ASSERT_TRUE(b.ok()) << b.status();
  auto ib = instantiate(store, **b, linker);
  ASSERT_TRUE(ib.ok()) << ib.status();
  auto o = call_export(store, **ib, "via_table", std::vector<abi::RawValue>{raw_i32(3)});
  ASSERT_TRUE(o.ok() && o->returned());
  EXPECT_EQ(raw_as_i32(o->results[0]), 12);
  EXPECT_EQ(seen, 6);

  auto missing = engine.load(ws::testing::wat_to_wasm(R"((module (import "env" "nope" (func))))"));
  ASSERT_TRUE(missing.ok());
  EXPECT_THAT(std::string(instantiate(store, **missing, linker).status().message()),
              HasSubstr("unknown import"));
}

TEST(Engine, IndirectCallChecks) {
  Fixture f(R"((module
    (type $v (func)) (type $i (func (result i32)))
    (table 3 funcref) (elem (i32.const 0) $f)
    (func $f (result i32) (i32.const 1))
    (func (export "call") (param i32) (result i32) (call_indirect (type $i) (local.get 0)))
    (func (export "wrong") (call_indirect (type $v) (i32.const 0)))))");
  ASSERT_NE(f.instance, nullptr);
  EXPECT_EQ(raw_as_i32(f.call("call", {raw_i32(0)}).results[0]), 1);
  EXPECT_EQ(f.call("call", {raw_i32(1)}).trap.code, TrapCode::kUninitializedElement);
  EXPECT_EQ(f.call("call", {raw_i32(3)}).trap.code, TrapCode::kUndefinedElement);
  EXPECT_EQ(f.call("wrong").trap.code, TrapCode::kIndirectCallTypeMismatch);
}

TEST(Engine, InterruptStopsAnInfiniteLoop) {
  Fixture f("(module (func (export \"spin\") (loop (br 0))))");
  ASSERT_NE(f.instance, nullptr);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    f.store.interrupt();
  });
  Outcome o = f.call("spin");
  stopper.join();
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
}

TEST(Engine, InterruptStopsRecursionWithoutLoops) {
  // Naive recursion has no loop header to check the flag: the prologue's stack check does.
  Fixture f(R"((module (func $fib (export "fib") (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2)) (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))))");
  ASSERT_NE(f.instance, nullptr);
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    f.store.interrupt();
  });
  Outcome o = f.call("fib", {raw_i64(60)});
  stopper.join();
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
  // The next call starts afresh: neither interrupted nor short of stack.
  Outcome again = f.call("fib", {raw_i64(20)});
  ASSERT_TRUE(again.returned());
  EXPECT_EQ(raw_as_i64(again.results[0]), 6765);
}

TEST(Engine, LoadReportsInvalidModules) {
  Engine engine;
  auto r = engine.load({0, 'a', 's', 'm', 2, 0, 0, 0});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unknown binary version"));
  auto missing = engine.load_file("/nonexistent/x.wasm");
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("/nonexistent/x.wasm"));
}

}  // namespace
}  // namespace ws::engine
