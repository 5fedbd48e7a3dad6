// End-to-end engine tests: compile with the JIT, instantiate, call, trap, link and interrupt.
#include "engine/engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "test/fixtures/scale_loop_wat.h"
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

// Calls `name` while another thread interrupts the store after 100 ms.
Outcome call_interrupted(Fixture& f, std::string_view name, std::vector<abi::RawValue> args = {}) {
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    f.store.interrupt();
  });
  Outcome o = f.call(name, std::move(args));
  stopper.join();
  return o;
}

TEST(Engine, InterruptStopsAnInfiniteLoop) {
  Fixture f("(module (func (export \"spin\") (loop (br 0))))");
  ASSERT_NE(f.instance, nullptr);
  Outcome o = call_interrupted(f, "spin");
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
}

TEST(Engine, InterruptStopsRecursionWithoutLoops) {
  // Naive recursion has no loop header to check the flag: the prologue's stack check does.
  Fixture f(R"((module (func $fib (export "fib") (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2)) (then (local.get 0))
      (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                     (call $fib (i64.sub (local.get 0) (i64.const 2)))))))))");
  ASSERT_NE(f.instance, nullptr);
  Outcome o = call_interrupted(f, "fib", {raw_i64(60)});
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
  // The next call starts afresh: neither interrupted nor short of stack.
  Outcome again = f.call("fib", {raw_i64(20)});
  ASSERT_TRUE(again.returned());
  EXPECT_EQ(raw_as_i64(again.results[0]), 6765);
}

TEST(Engine, InterruptStopsACountedLoopNest) {
  // The inner loop is counted (its check is dropped at -O2); the outer loop's check stops it.
  Fixture f(R"((module (func (export "spin") (result i32) (local $j i32) (local $s i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31)) (local.get $j)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (i32.const 1000))))
      (br $outer))
    (local.get $s))))");
  ASSERT_NE(f.instance, nullptr);
  Outcome o = call_interrupted(f, "spin");
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
}

TEST(Engine, InterruptStopsALoopThatCallsEveryIteration) {
  // The loop's own check is dropped at -O2 (a call on every iteration); $g's entry check stops it.
  Fixture f(R"((module
    (func $g (param i32) (result i32) (i32.xor (local.get 0) (i32.const 5)))
    (func (export "spin") (result i32) (local $s i32)
      (loop $l (local.set $s (call $g (local.get $s))) (br $l))
      (local.get $s))))");
  ASSERT_NE(f.instance, nullptr);
  Outcome o = call_interrupted(f, "spin");
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
}

// A module of `pages` pages whose "scan" steps its i32 address by `step` bytes (`op` is i32.add
// or i32.sub) until it loads a non-zero word and returns that address; "set" stores a word.
std::string scan_module(const std::string& pages, const std::string& op) {
  return "(module (memory " + pages + R"()
    (func (export "scan") (param $p i32) (result i32)
      (loop $next
        (br_if $next (i32.eqz (i32.load (local.tee $p ()" +
         op + R"( (local.get $p) (i32.const 4)))))))
      (local.get $p))
    (func (export "set") (param i32 i32) (i32.store (local.get 0) (local.get 1)))))";
}

TEST(Engine, ScanLoopRunsOffLinearMemoryAndTraps) {
  // A scan loop without its interrupt check (-O2, memory below 4 GiB): downwards from 64 its
  // i32 address wraps to 0xfffffffc, where the load traps.
  Fixture f(scan_module("1", "i32.sub"));
  ASSERT_NE(f.instance, nullptr);
  EXPECT_EQ(f.call("scan", {raw_i32(64)}).trap.code, TrapCode::kOutOfBoundsMemory);
  f.call("set", {raw_i32(8), raw_i32(1)});
  Outcome o = f.call("scan", {raw_i32(64)});
  ASSERT_TRUE(o.returned());
  EXPECT_EQ(raw_as_i32(o.results[0]), 8);
}

TEST(Engine, InterruptStopsAScanLoopOnA4GiBMemory) {
  // At 4 GiB an i32 address never leaves the memory, so a scan loop is not bounded by a trap:
  // the copy that keeps its interrupt check must run. (The check-free copy would scan all of
  // memory in a second or more and return the address of the word set at its end.)
  Fixture f(scan_module("65536", "i32.add"));
  ASSERT_NE(f.instance, nullptr);
  f.call("set", {raw_i32(-4), raw_i32(1)});
  Outcome o = call_interrupted(f, "scan", {raw_i32(-4)});
  EXPECT_EQ(o.trap.code, TrapCode::kInterrupted);
}

// Signalling NaNs and the quiet bit, as raw bits.
constexpr uint64_t kSnan64 = 0x7FF4000000000001ull, kQuiet64 = 0x7FF8000000000000ull;
constexpr uint32_t kSnan32 = 0x7FA00001u, kQuiet32 = 0x7FC00000u;

// Calls `name` with the signalling NaN `snan` and expects the result's quiet bit set.
template <typename Bits>
void expect_quieted(Fixture& f, const char* name, Bits snan, Bits quiet) {
  abi::RawValue arg{};
  std::memcpy(arg.bytes, &snan, sizeof snan);
  Outcome o = f.call(name, {arg});
  ASSERT_TRUE(o.returned()) << name;
  Bits bits = 0;
  std::memcpy(&bits, o.results[0].bytes, sizeof bits);
  EXPECT_EQ(bits & quiet, quiet) << name << std::hex << ": 0x" << bits;
}

// Float arithmetic with one constant operand returns a quiet NaN for a signalling NaN operand,
// whether LLVM could fold the operation away (+-0, +-1) or not (0.01, 2.5).
TEST(Engine, FloatArithmeticWithAConstantQuietsSignallingNans) {
  Fixture f(R"((module
    (func (export "mul1") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 1)))
    (func (export "divm1") (param f64) (result f64) (f64.div (local.get 0) (f64.const -1)))
    (func (export "sub0") (param f64) (result f64) (f64.sub (local.get 0) (f64.const 0)))
    (func (export "neg0") (param f64) (result f64) (f64.sub (f64.const -0) (local.get 0)))
    (func (export "mul") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.01)))
    (func (export "div") (param f64) (result f64) (f64.div (f64.const 0.01) (local.get 0)))
    (func (export "add") (param f64) (result f64) (f64.add (local.get 0) (f64.const 2.5)))
    (func (export "mul1f") (param f32) (result f32) (f32.mul (local.get 0) (f32.const 1)))
    (func (export "mulf") (param f32) (result f32) (f32.mul (f32.const 0.5) (local.get 0)))))");
  ASSERT_NE(f.instance, nullptr);
  for (const char* name : {"mul1", "divm1", "sub0", "neg0", "mul", "div", "add"}) {
    expect_quieted(f, name, kSnan64, kQuiet64);
  }
  for (const char* name : {"mul1f", "mulf"}) expect_quieted(f, name, kSnan32, kQuiet32);
}

TEST(Engine, FloatArithmeticWithAConstantFromALocalQuietsSignallingNans) {
  // The 1.0 reaches the multiply only when -O2 promotes the local; x * 1.0 must still quiet.
  Fixture f(R"((module
    (func (export "m") (param f64) (result f64) (local $one f64)
      (local.set $one (f64.const 1))
      (f64.mul (local.get 0) (local.get $one)))
    (func (export "s") (param f32) (result f32) (local $zero f32)
      (f32.sub (local.get 0) (local.get $zero)))))");
  ASSERT_NE(f.instance, nullptr);
  expect_quieted(f, "m", kSnan64, kQuiet64);
  expect_quieted(f, "s", kSnan32, kQuiet32);
}

// The scale loop (test/fixtures/scale_loop_wat.h), which the -O2 pipeline vectorises behind a
// test that every address stays in bounds without wrapping, plus plain accessors.
constexpr char kGetSet[] = R"(
    (func (export "get") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "set") (param i32 i32) (i32.store (local.get 0) (local.get 1)))))";

std::string scale_module(int pages) {
  return "(module (memory " + std::to_string(pages) + ")" + ws::testing::kScaleLoopFunc + kGetSet;
}

int32_t get(Fixture& f, uint32_t addr) {
  Outcome o = f.call("get", {raw_i32(static_cast<int32_t>(addr))});
  return o.returned() ? raw_as_i32(o.results[0]) : -1;
}

void set(Fixture& f, uint32_t addr, int32_t v) {
  f.call("set", {raw_i32(static_cast<int32_t>(addr)), raw_i32(v)});
}

TEST(Engine, VectorisedLoopComputesWhatTheScalarLoopDoes) {
  Fixture f(scale_module(1));
  ASSERT_NE(f.instance, nullptr);
  for (uint32_t k = 0; k < 1000; ++k) set(f, 4 * k, static_cast<int32_t>(k * 7));
  Outcome o = f.call("scale", {raw_i32(8000), raw_i32(0), raw_i32(999)});
  ASSERT_TRUE(o.returned());
  for (uint32_t k = 0; k < 1000; ++k) {
    ASSERT_EQ(get(f, 8000 + 4 * k), k < 999 ? static_cast<int32_t>(k * 14 + 1) : 0) << k;
  }
  // Overlapping: dst = src + 4 makes each iteration read what the previous one wrote (long
  // enough for the vector loop, which must not run here).
  set(f, 0, 1);
  o = f.call("scale", {raw_i32(4), raw_i32(0), raw_i32(200)});
  ASSERT_TRUE(o.returned());
  uint32_t want = 1;
  for (uint32_t k = 1; k <= 200; ++k) {
    want = want * 2 + 1;  // wraps like i32.mul and i32.add
    ASSERT_EQ(get(f, 4 * k), static_cast<int32_t>(want)) << k;
  }
}

TEST(Engine, VectorisedLoopTrapsAfterTheScalarStoresBeforeTheFault) {
  Fixture f(scale_module(1));
  ASSERT_NE(f.instance, nullptr);
  for (uint32_t k = 0; k < 64; ++k) set(f, 4 * k, static_cast<int32_t>(k + 1));
  // Stores 5 elements at the end of the memory, then the 6th store is out of bounds.
  uint32_t dst = 65536 - 5 * 4;
  Outcome o = f.call("scale", {raw_i32(static_cast<int32_t>(dst)), raw_i32(0), raw_i32(64)});
  EXPECT_EQ(o.trap.code, TrapCode::kOutOfBoundsMemory);
  for (uint32_t k = 0; k < 5; ++k) EXPECT_EQ(get(f, dst + 4 * k), static_cast<int32_t>(2 * k + 3));
  // Loads fault too: 3 elements read from the end, stored at 1024, then the 4th load traps.
  uint32_t src = 65536 - 3 * 4;
  for (uint32_t k = 0; k < 3; ++k) set(f, src + 4 * k, static_cast<int32_t>(100 + k));
  o = f.call("scale", {raw_i32(1024), raw_i32(static_cast<int32_t>(src)), raw_i32(64)});
  EXPECT_EQ(o.trap.code, TrapCode::kOutOfBoundsMemory);
  for (uint32_t k = 0; k < 3; ++k)
    EXPECT_EQ(get(f, 1024 + 4 * k), static_cast<int32_t>(201 + 2 * k));
  EXPECT_EQ(get(f, 1024 + 12), 0);  // the 4th store never happened
}

TEST(Engine, VectorisedLoopFollowsAWrappingAddress) {
  // A 4 GiB memory, where an i32 address that wraps past 2^32 - 4 is valid again at 0.
  Fixture f(scale_module(65536));
  ASSERT_NE(f.instance, nullptr);
  uint32_t src = 0xFFFFFFF8u;  // src[0], src[1] at the top, src[2..] from address 0
  for (uint32_t k = 0; k < 40; ++k) set(f, src + 4 * k, static_cast<int32_t>(k + 10));
  Outcome o = f.call("scale", {raw_i32(4096), raw_i32(static_cast<int32_t>(src)), raw_i32(40)});
  ASSERT_TRUE(o.returned());
  for (uint32_t k = 0; k < 40; ++k)
    ASSERT_EQ(get(f, 4096 + 4 * k), static_cast<int32_t>(2 * k + 21));
  // The store side wraps too.
  o = f.call("scale", {raw_i32(static_cast<int32_t>(0xFFFFFFF0u)), raw_i32(4096), raw_i32(40)});
  ASSERT_TRUE(o.returned());
  for (uint32_t k = 0; k < 40; ++k) {
    ASSERT_EQ(get(f, 0xFFFFFFF0u + 4 * k), static_cast<int32_t>(4 * k + 43)) << k;
  }
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
