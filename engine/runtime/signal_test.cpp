// Fault handling: which faults the runtime claims (JIT code inside a guarded call) and that all
// others reach the handler installed before it. Death tests run in a fresh process each, so
// the handler order is the one each test sets up.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <thread>

#include "engine/runtime/code_registry.h"
#include "engine/runtime/fake_jit_test_util.h"
#include "engine/runtime/traps.h"

namespace ws::engine {
namespace {

using StoreFn = void (*)(void*, uint8_t*);

void exit_42(int, siginfo_t*, void*) { _exit(42); }

void install_exit_42() {
  struct sigaction sa {};
  sa.sa_sigaction = exit_42;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGSEGV, &sa, nullptr), 0);
}

uint8_t* inaccessible_page() {
  void* p = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  EXPECT_NE(p, MAP_FAILED);
  return static_cast<uint8_t*>(p);
}

std::unique_ptr<runtime::CodeRegistration> register_store_fn() {
  testing::FakeFunction f = testing::store_byte_fn();
  return runtime::register_code(
      nullptr, {{reinterpret_cast<uintptr_t>(f.begin), reinterpret_cast<uintptr_t>(f.end), 0}});
}

StoreFn store_fn() {
  return reinterpret_cast<StoreFn>(const_cast<void*>(testing::store_byte_fn().begin));
}

struct StoreArgs {
  uint8_t* addr;
};

// Runs the fake JIT store under a guard; returns the trap code or -1 when it returned.
int guarded_store(uint8_t* addr) {
  runtime::GuardFrame frame;
  StoreArgs args{addr};
  bool returned = runtime::call_guarded(
      frame, [](void* p) { store_fn()(nullptr, static_cast<StoreArgs*>(p)->addr); }, &args);
  return returned ? -1 : static_cast<int>(frame.code);
}

class SignalDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(SignalDeathTest, AJitFaultInsideAGuardedCallIsClaimed) {
  EXPECT_EXIT(
      {
        install_exit_42();
        runtime::install_signal_handlers();
        auto reg = register_store_fn();
        int code = guarded_store(inaccessible_page());
        _exit(code == static_cast<int>(TrapCode::kOutOfBoundsMemory) ? 7 : 1);
      },
      ::testing::ExitedWithCode(7), "");
}

TEST_F(SignalDeathTest, AFaultOutsideJitCodeChainsToThePreviousHandler) {
  EXPECT_EXIT(
      {
        install_exit_42();
        runtime::install_signal_handlers();
        runtime::GuardFrame frame;
        runtime::call_guarded(
            frame, [](void* p) { *static_cast<volatile uint8_t*>(p) = 1; }, inaccessible_page());
        _exit(1);
      },
      ::testing::ExitedWithCode(42), "");
}

TEST_F(SignalDeathTest, AJitFaultOutsideAGuardedCallChainsToThePreviousHandler) {
  EXPECT_EXIT(
      {
        install_exit_42();
        runtime::install_signal_handlers();
        auto reg = register_store_fn();
        store_fn()(nullptr, inaccessible_page());
        _exit(1);
      },
      ::testing::ExitedWithCode(42), "");
}

TEST_F(SignalDeathTest, WithNoPreviousHandlerTheDefaultActionRuns) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan the previous handler is ASan's, which reports the fault.
  EXPECT_DEATH(
      {
        runtime::install_signal_handlers();
        *reinterpret_cast<volatile uint8_t*>(inaccessible_page()) = 1;
      },
      "AddressSanitizer: SEGV");
#else
  EXPECT_EXIT(
      {
        signal(SIGSEGV, SIG_DFL);
        runtime::install_signal_handlers();
        *reinterpret_cast<volatile uint8_t*>(inaccessible_page()) = 1;
      },
      ::testing::KilledBySignal(SIGSEGV), "");
#endif
}

TEST(Signals, ABusErrorInJitCodeIsAnOutOfBoundsTrap) {
  int fd = memfd_create("ws-runtime-test", 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 4096), 0);
  void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto reg = register_store_fn();
  EXPECT_EQ(guarded_store(static_cast<uint8_t*>(p) + 4096),  // past the file's end: SIGBUS
            static_cast<int>(TrapCode::kOutOfBoundsMemory));
  EXPECT_EQ(guarded_store(static_cast<uint8_t*>(p)), -1);
  munmap(p, 8192);
  close(fd);
}

TEST(Signals, FaultsOnAThreadThatHasNotEnteredWasmBeforeAreClaimedToo) {
  auto reg = register_store_fn();
  int code = 0;
  std::thread t([&] { code = guarded_store(inaccessible_page()); });
  t.join();
  EXPECT_EQ(code, static_cast<int>(TrapCode::kOutOfBoundsMemory));
}

TEST(Signals, AJitFaultInTheStackGuardIsStackExhaustion) {
  auto reg = register_store_fn();
  int code = 0;
  std::thread t([&] {
    runtime::prepare_thread();
    // glibc puts a guard page right below a thread's usable stack.
    auto* guard = reinterpret_cast<uint8_t*>(runtime::thread_stack_bounds().low - 1);
    code = guarded_store(guard);
  });
  t.join();
  EXPECT_EQ(code, static_cast<int>(TrapCode::kCallStackExhausted));
}

}  // namespace
}  // namespace ws::engine
