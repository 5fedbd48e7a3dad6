// Guarded entry into Wasm, trap unwinding (siglongjmp), fault signals and backtrace capture.
//
// Compiled code never sees C++ exceptions: a trap records its kind and a backtrace in the
// innermost GuardFrame of the thread and siglongjmps to it. Nothing between the guarded entry
// and the trap site may own a destructor; the runtime's own entry points (intrinsics, host
// calls) finish all C++ work before they unwind.
#pragma once

#include <csetjmp>
#include <cstdint>
#include <string>

#include "engine/runtime/abi/trap.h"

namespace ws::engine::runtime {

inline constexpr uint32_t kMaxBacktrace = 256;

// The landing pad of one guarded call, on the stack of call_guarded's caller. Frames of one
// thread form a stack (a host function may call back into Wasm).
struct GuardFrame {
  sigjmp_buf jmp;
  GuardFrame* prev = nullptr;
  // Filled by whoever unwinds to this frame.
  bool exited = false;
  int32_t exit_code = 0;
  TrapCode code = TrapCode::kUnreachable;
  std::string message;  // set for kHostError before unwinding; empty otherwise
  uint32_t num_pcs = 0;
  bool truncated = false;
  uintptr_t pcs[kMaxBacktrace];  // innermost first; exact instruction addresses
};

// Runs fn(arg) under `frame`. Returns true when fn returned, false when a trap or an exit
// unwound to `frame` (its fields say which).
bool call_guarded(GuardFrame& frame, void (*fn)(void* arg), void* arg);

// The innermost guard of this thread, or nullptr outside guarded calls.
GuardFrame* current_guard();

// Unwind to the innermost guard; the backtrace starts at the nearest Wasm frame above the
// caller. Calling these outside a guarded call aborts the process (a runtime bug).
[[noreturn]] void raise_trap(TrapCode code);
// kHostError with current_guard()->message already set.
[[noreturn]] void raise_host_error();
[[noreturn]] void raise_exit(int32_t code);

// Once per process: SIGSEGV/SIGBUS handlers; once per thread: an alternate signal stack and
// the thread's stack bounds. call_guarded does this; embedders may call it earlier to fix the
// order of handler installation.
void install_signal_handlers();
void prepare_thread();

// The calling thread's usable stack [low, high) (prepare_thread() must have run).
struct StackBounds {
  uintptr_t low = 0;
  uintptr_t high = 0;
};
StackBounds thread_stack_bounds();

// Bytes kept free below the stack limit for intrinsics, host functions and signal delivery.
inline constexpr uintptr_t kStackSafetyMargin = 128 * 1024;

}  // namespace ws::engine::runtime
