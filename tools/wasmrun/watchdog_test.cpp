// Unit tests of the --timeout watchdog against real compiled code.
#include "tools/wasmrun/watchdog.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/engine.h"
#include "test/fixtures/wat.h"

namespace ws::tools {
namespace {

using Clock = std::chrono::steady_clock;

// A module with a spinning export and one that calls a host function that sleeps for 3 s
// without looking at interrupts.
struct Guest {
  engine::Engine engine;
  engine::Store store;
  engine::Linker linker;
  engine::Instance* instance = nullptr;

  Guest() {
    engine::HostFunction sleeper{engine::FuncType{},
                                 [](engine::Caller&, auto, auto) {
                                   std::this_thread::sleep_for(std::chrono::seconds(3));
                                   return absl::OkStatus();
                                 },
                                 "host.sleep"};
    linker.define("host", "sleep",
                  engine::Extern::of(store.create_host_function(std::move(sleeper))));
    auto cm = engine.load(ws::testing::wat_to_wasm(R"((module
      (import "host" "sleep" (func $sleep))
      (func (export "spin") (loop (br 0)))
      (func (export "quick") (result i32) (i32.const 7))
      (func (export "blocked") (call $sleep)))
    )"));
    EXPECT_TRUE(cm.ok()) << cm.status();
    if (!cm.ok()) return;
    module = *cm;
    auto inst = engine::instantiate(store, *module, linker);
    EXPECT_TRUE(inst.ok()) << inst.status();
    if (inst.ok()) instance = *inst;
  }
  engine::Outcome call(const char* name) {
    auto out = engine::call_export(store, *instance, name, {});
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : engine::Outcome{};
  }
  std::shared_ptr<const engine::CompiledModule> module;
};

TEST(Watchdog, InterruptsASpinningGuest) {
  Guest g;
  ASSERT_NE(g.instance, nullptr);
  auto t0 = Clock::now();
  Watchdog dog(g.store, 0.2, 30, "blocked\n", 124);
  engine::Outcome out = g.call("spin");
  dog.stop();
  EXPECT_TRUE(out.trapped());
  EXPECT_EQ(out.trap.code, engine::TrapCode::kInterrupted);
  EXPECT_TRUE(dog.fired());
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(10));
}

TEST(Watchdog, StopsAtOnceWhenTheCallEndsFirst) {
  Guest g;
  ASSERT_NE(g.instance, nullptr);
  auto t0 = Clock::now();
  Watchdog dog(g.store, 60, 1, "blocked\n", 124);
  engine::Outcome out = g.call("quick");
  dog.stop();
  EXPECT_TRUE(out.returned());
  EXPECT_FALSE(dog.fired());
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
}

TEST(WatchdogDeathTest, EndsTheProcessWhenAHostCallNeverReturns) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Guest g;
        Watchdog dog(g.store, 0.1, 0.2, "wasmrun: blocked in a host call\n", 124);
        g.call("blocked");
      },
      ::testing::ExitedWithCode(124), "blocked in a host call");
}

}  // namespace
}  // namespace ws::tools
