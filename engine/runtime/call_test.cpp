// Calls into (fake) compiled code through Store::invoke: results, traps from the intrinsic and
// from memory faults, backtraces, host functions, nesting, interruption and stack exhaustion.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/runtime/fake_jit_test_util.h"
#include "engine/runtime/store.h"
#include "engine/runtime/traps.h"
#include "engine/runtime/value.h"

namespace ws::engine {
namespace {

using testing::assemble;
using testing::fake_code;

constexpr char kModule[] = R"((module
  (import "env" "host" (func $host))
  (memory (export "mem") 1)
  (func $store (export "store") (param i64))
  (func $trap (export "trap") (param i32))
  (func $call_host (export "call_host"))
  (func $spin (export "spin"))
  (func $read_interrupt (export "read_interrupt") (result i32) (i32.const 0))
  (func $recurse (export "recurse"))))";

class Calls : public ::testing::Test {
 protected:
  void SetUp() override { build(StoreLimits{}); }

  void build(StoreLimits limits) {
    store_ = std::make_unique<Store>(limits);
    FuncRecord* host =
        store_->create_host_function({FuncType{},
                                      [this](Caller& c, auto, auto) {
                                        ++host_calls_;
                                        return on_host_ ? on_host_(c) : absl::OkStatus();
                                      },
                                      "host"});
    auto m = assemble(kModule);
    ASSERT_NE(m, nullptr);
    auto code =
        fake_code(*m, {testing::store_byte_fn(), testing::trap_fn(), testing::call_import0_fn(),
                       testing::spin_fn(), testing::read_interrupt_fn(), testing::recurse_fn()});
    std::vector<Extern> imports{Extern::of(host)};
    auto inst = store_->instantiate(m, code, imports);
    ASSERT_TRUE(inst.ok()) << inst.status();
    inst_ = *inst;
    mem_ = inst_->find_export("mem")->memory;
  }

  Outcome call(const char* name, std::vector<abi::RawValue> args = {}) {
    auto out = store_->invoke(inst_->find_export(name)->func, args);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : Outcome{};
  }

  static void expect_trap(const Outcome& out, TrapCode code, uint32_t func, const char* name) {
    ASSERT_TRUE(out.trapped());
    EXPECT_EQ(out.trap.code, code);
    EXPECT_EQ(out.trap.message, trap_message(code));
    ASSERT_FALSE(out.trap.backtrace.empty()) << out.trap.to_string();
    EXPECT_EQ(out.trap.backtrace[0].func_index, func);
    EXPECT_EQ(out.trap.backtrace[0].func_name, name);
  }

  std::unique_ptr<Store> store_;
  Instance* inst_ = nullptr;
  Memory* mem_ = nullptr;
  std::function<absl::Status(Caller&)> on_host_;
  int host_calls_ = 0;
};

TEST_F(Calls, ReturnsResultsAndWritesMemory) {
  Outcome out = call("store", {raw_i64(reinterpret_cast<int64_t>(mem_->base() + 5))});
  ASSERT_TRUE(out.returned());
  EXPECT_EQ(mem_->base()[5], 1);
  out = call("read_interrupt");
  ASSERT_TRUE(out.returned());
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(raw_as_i32(out.results[0]), 0);
  EXPECT_EQ(runtime::current_guard(), nullptr);
}

TEST_F(Calls, AFaultPastTheMemoryBecomesAnOutOfBoundsTrap) {
  for (uint64_t offset : {abi::kWasmPageSize, uint64_t{1} << 32, abi::kMemory32Reservation - 1}) {
    Outcome out = call("store", {raw_i64(reinterpret_cast<int64_t>(mem_->base() + offset))});
    expect_trap(out, TrapCode::kOutOfBoundsMemory, 1, "store");
    EXPECT_EQ(out.trap.backtrace.size(), 1u) << out.trap.to_string();
  }
  // The same page becomes writable after memory.grow.
  ASSERT_EQ(mem_->grow(1), 1);
  EXPECT_TRUE(call("store", {raw_i64(reinterpret_cast<int64_t>(mem_->base() + 65536))}).returned());
}

TEST_F(Calls, TrapIntrinsicUnwindsWithTheCodeAndABacktrace) {
  Outcome out = call("trap", {raw_i32(static_cast<int32_t>(TrapCode::kIntegerDivideByZero))});
  expect_trap(out, TrapCode::kIntegerDivideByZero, 2, "trap");
  EXPECT_EQ(out.trap.message, "integer divide by zero");
  EXPECT_THAT(out.trap.to_string(), ::testing::HasSubstr("#0 trap (func 2)"));
}

TEST_F(Calls, HostFunctionsCalledFromWasmSeeTheirCaller) {
  on_host_ = [&](Caller& c) {
    EXPECT_EQ(c.instance(), inst_);
    EXPECT_EQ(c.memory(), mem_);
    EXPECT_EQ(c.memory(1), nullptr);
    EXPECT_EQ(&c.store(), store_.get());
    return absl::OkStatus();
  };
  EXPECT_TRUE(call("call_host").returned());
  EXPECT_EQ(host_calls_, 1);
}

TEST_F(Calls, HostErrorsTrapWithTheirMessage) {
  on_host_ = [](Caller&) { return absl::InvalidArgumentError("bad descriptor"); };
  Outcome out = call("call_host");
  ASSERT_TRUE(out.trapped());
  EXPECT_EQ(out.trap.code, TrapCode::kHostError);
  EXPECT_EQ(out.trap.message, "bad descriptor");
  ASSERT_EQ(out.trap.backtrace.size(), 1u) << out.trap.to_string();
  EXPECT_EQ(out.trap.backtrace[0].func_index, 3u);
}

TEST_F(Calls, HostExceptionsBecomeHostErrors) {
  on_host_ = [](Caller&) -> absl::Status { throw std::runtime_error("oops"); };
  Outcome out = call("call_host");
  ASSERT_TRUE(out.trapped());
  EXPECT_THAT(out.trap.message, ::testing::HasSubstr("oops"));
}

TEST_F(Calls, HostExitUnwindsAsExited) {
  on_host_ = [](Caller& c) {
    c.exit(3);
    return absl::OkStatus();
  };
  Outcome out = call("call_host");
  ASSERT_TRUE(out.exited());
  EXPECT_EQ(out.exit_code, 3);
}

TEST_F(Calls, HostFunctionsInvokedDirectly) {
  FuncType add_one{{ValType::kI32, ValType::kI32}, 1};
  FuncRecord* f = store_->create_host_function(
      {add_one,
       [](Caller& c, std::span<const abi::RawValue> args, std::span<abi::RawValue> results) {
         EXPECT_EQ(c.instance(), nullptr);
         if (raw_as_i32(args[0]) < 0) return absl::OutOfRangeError("negative");
         if (raw_as_i32(args[0]) == 0) c.exit(9);
         results[0] = raw_i32(raw_as_i32(args[0]) + 1);
         return absl::OkStatus();
       },
       "add_one"});
  auto out = store_->invoke(f, std::vector<abi::RawValue>{raw_i32(41)});
  ASSERT_TRUE(out.ok() && out->returned());
  EXPECT_EQ(raw_as_i32(out->results[0]), 42);
  out = store_->invoke(f, std::vector<abi::RawValue>{raw_i32(-1)});
  ASSERT_TRUE(out.ok() && out->trapped());
  EXPECT_EQ(out->trap.code, TrapCode::kHostError);
  EXPECT_EQ(out->trap.message, "negative");
  out = store_->invoke(f, std::vector<abi::RawValue>{raw_i32(0)});
  ASSERT_TRUE(out.ok() && out->exited());
  EXPECT_EQ(out->exit_code, 9);
  EXPECT_EQ(store_->invoke(f, {}).status().code(), absl::StatusCode::kInvalidArgument);
  Store other;
  EXPECT_EQ(other.invoke(f, std::vector<abi::RawValue>{raw_i32(1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(Calls, NestedGuardedCallsUnwindToTheInnermostEntry) {
  Outcome inner;
  on_host_ = [&](Caller& c) {
    auto out =
        c.store().invoke(inst_->find_export("trap")->func, std::vector<abi::RawValue>{raw_i32(0)});
    EXPECT_TRUE(out.ok());
    inner = *out;
    EXPECT_NE(runtime::current_guard(), nullptr);  // still inside the outer call
    return absl::OkStatus();
  };
  Outcome out = call("call_host");
  EXPECT_TRUE(out.returned());
  expect_trap(inner, TrapCode::kUnreachable, 2, "trap");
  EXPECT_EQ(inner.trap.backtrace.size(), 1u);  // stops at the trampoline of the nested entry

  // Inner trap, then the host function fails: the outer call traps as a host error.
  on_host_ = [&](Caller& c) {
    auto nested =
        c.store().invoke(inst_->find_export("trap")->func, std::vector<abi::RawValue>{raw_i32(0)});
    return nested.ok() && nested->trapped() ? absl::InternalError("inner trapped")
                                            : absl::OkStatus();
  };
  out = call("call_host");
  ASSERT_TRUE(out.trapped());
  EXPECT_EQ(out.trap.message, "inner trapped");
  EXPECT_EQ(out.trap.backtrace[0].func_index, 3u);

  // Two levels of host -> Wasm -> host.
  int depth = 0;
  on_host_ = [&](Caller& c) {
    if (++depth < 3) {
      auto nested = c.store().invoke(inst_->find_export("call_host")->func, {});
      EXPECT_TRUE(nested.ok() && nested->returned());
    }
    return absl::OkStatus();
  };
  EXPECT_TRUE(call("call_host").returned());
  EXPECT_EQ(depth, 3);
  EXPECT_EQ(runtime::current_guard(), nullptr);
}

TEST_F(Calls, AnotherThreadCanInterruptARunningCall) {
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done.load()) {
      store_->interrupt();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  Outcome out = call("spin");
  done.store(true);
  interrupter.join();
  expect_trap(out, TrapCode::kInterrupted, 4, "spin");
}

TEST_F(Calls, TheInterruptFlagIsClearedByTheNextOutermostCallOnly) {
  store_->interrupt();
  EXPECT_EQ(store_->vm()->interrupt, 1u);
  Outcome out = call("read_interrupt");
  EXPECT_EQ(raw_as_i32(out.results[0]), 0);
  // A nested call keeps a pending request.
  int32_t seen = -1;
  on_host_ = [&](Caller& c) {
    c.store().interrupt();
    auto nested = c.store().invoke(inst_->find_export("read_interrupt")->func, {});
    seen = raw_as_i32(nested->results[0]);
    return absl::OkStatus();
  };
  EXPECT_TRUE(call("call_host").returned());
  EXPECT_EQ(seen, 1);
}

TEST_F(Calls, DeepRecursionTrapsAtTheConfiguredStackLimit) {
  StoreLimits limits;
  limits.max_stack_bytes = 64 * 1024;
  build(limits);
  testing::recurse_depth() = 0;
  Outcome out = call("recurse");
  expect_trap(out, TrapCode::kCallStackExhausted, 6, "recurse");
  // 16 bytes per frame (return address + saved rbp), minus what the entry path uses.
  EXPECT_GT(testing::recurse_depth(), 3500);
  EXPECT_LE(testing::recurse_depth(), 4096);
  EXPECT_EQ(out.trap.backtrace.size(), runtime::kMaxBacktrace);
  EXPECT_TRUE(out.trap.backtrace_truncated);
  EXPECT_EQ(out.trap.backtrace.back().func_index, 6u);

  build(StoreLimits{});
  testing::recurse_depth() = 0;
  out = call("recurse");
  ASSERT_TRUE(out.trapped());
  EXPECT_EQ(out.trap.code, TrapCode::kCallStackExhausted);
  EXPECT_GT(testing::recurse_depth(), 60000);
  EXPECT_LE(testing::recurse_depth(), 65536);
}

TEST_F(Calls, ManyTrapsInOneProcess) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan rescans /proc/self/maps whenever a handler on the alternate stack longjmps out.
  constexpr int kCalls = 10'000;
#else
  constexpr int kCalls = 100'000;
#endif
  auto* past = mem_->base() + (uint64_t{1} << 32);
  for (int i = 0; i < kCalls; ++i) {
    Outcome out = i % 2 == 0 ? call("trap", {raw_i32(0)})
                             : call("store", {raw_i64(reinterpret_cast<int64_t>(past))});
    ASSERT_TRUE(out.trapped()) << i;
  }
  EXPECT_TRUE(call("read_interrupt").returned());
}

TEST(Start, ATrappingStartFunctionFailsInstantiation) {
  Store store;
  auto m = assemble(R"((module
    (memory (export "m") 1)
    (data (i32.const 0) "kept")
    (func $start unreachable)
    (start $start)))");
  ASSERT_NE(m, nullptr);
  auto inst = store.instantiate(m, fake_code(*m, {testing::unreachable_fn()}), {});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(inst.status().message(), "unreachable");
}

}  // namespace
}  // namespace ws::engine
