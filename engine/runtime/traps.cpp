// Trap unwinding: guarded entries (sigsetjmp), fault handlers, frame-pointer backtraces.
//
// Signals: one SIGSEGV and one SIGBUS handler per process (SA_SIGINFO | SA_ONSTACK |
// SA_NODEFER, empty mask, so the signal mask never changes and sigsetjmp need not save it).
// The handler claims a fault only when this thread is inside a guarded call AND the faulting
// PC is registered JIT code; otherwise it chains to the handler installed before it (calling
// it, or for SIG_DFL/SIG_IGN restoring the default and returning so the fault re-raises).
// Each thread that enters Wasm gets an alternate signal stack unless it already has one.
#include "engine/runtime/traps.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "engine/runtime/code_registry.h"

namespace ws::engine::runtime {
namespace {

// Plain data, constant-initialised, initial-exec TLS: safe to read in a signal handler.
struct ThreadState {
  GuardFrame* top;
  uintptr_t stack_low;
  uintptr_t stack_high;
  bool prepared;
};
__attribute__((tls_model("initial-exec"))) constinit thread_local ThreadState t_state{};

// The alternate signal stack this runtime allocated for the thread, freed at thread exit.
struct AltStack {
  void* mem = nullptr;
  size_t size = 0;
  ~AltStack() {
    if (mem == nullptr) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == mem) {
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    munmap(mem, size);
  }
};
thread_local AltStack t_altstack;

struct sigaction g_prev_segv;
struct sigaction g_prev_bus;

// How far below the stack's low end a fault still counts as a stack overflow (guard pages).
constexpr uintptr_t kStackGuardSlack = 1024 * 1024;

// Frames skipped before the first Wasm frame (runtime functions between the trap site and
// Wasm code: raise_*, the intrinsic, a host adapter).
constexpr uint32_t kMaxLeadingFrames = 16;

// Appends the Wasm return addresses found by following frame pointers from `fp`. Compiled
// code keeps rbp frames: [fp] = caller's fp, [fp + 8] = return address. Stops after the first
// non-Wasm frame that follows a Wasm frame (a trampoline or the host), or at the stack's end.
void walk_frames(GuardFrame* f, uintptr_t fp, bool started) {
  const uintptr_t low = t_state.stack_low, high = t_state.stack_high;
  uint32_t skipped = 0;
  while (fp >= low && fp <= high - 2 * sizeof(uintptr_t) && fp % sizeof(uintptr_t) == 0) {
    const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
    uintptr_t next = frame[0], ret = frame[1];
    if (ret != 0 && is_wasm_code(ret - 1)) {
      started = true;
      if (f->num_pcs == kMaxBacktrace) {
        f->truncated = true;
        return;
      }
      f->pcs[f->num_pcs++] = ret - 1;
    } else if (started || ++skipped > kMaxLeadingFrames) {
      return;
    }
    if (next <= fp) return;
    fp = next;
  }
}

GuardFrame* guard_or_die(const char* what) {
  GuardFrame* f = t_state.top;
  if (f == nullptr) {
    std::fprintf(stderr, "wasmshim runtime: %s outside a guarded Wasm call\n", what);
    std::abort();
  }
  return f;
}

void begin_trap(GuardFrame* f, TrapCode code) {
  f->exited = false;
  f->code = code;
  f->num_pcs = 0;
  f->truncated = false;
}

void chain(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = sig == SIGSEGV ? g_prev_segv : g_prev_bus;
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, context);
  } else if (prev.sa_handler == SIG_DFL || prev.sa_handler == SIG_IGN) {
    // Returning re-executes the faulting instruction, which now gets the default action.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
  } else {
    prev.sa_handler(sig);
  }
}

void context_registers(const void* context, uintptr_t& pc, uintptr_t& fp) {
  const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
  pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
#elif defined(__aarch64__)
  pc = static_cast<uintptr_t>(uc->uc_mcontext.pc);
  fp = static_cast<uintptr_t>(uc->uc_mcontext.regs[29]);
#else
#error "unsupported architecture: the trap handler needs the PC and frame pointer registers"
#endif
}

void on_fault(int sig, siginfo_t* info, void* context) {
  GuardFrame* f = t_state.top;
  uintptr_t pc = 0, fp = 0;
  context_registers(context, pc, fp);
  if (f == nullptr || !is_wasm_code(pc)) {
    chain(sig, info, context);
    return;
  }
  // Compiled code touches the native stack only within its frames, so a fault there is a
  // frame larger than the safety margin running into the guard page below the stack.
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  bool stack = addr < t_state.stack_high && addr + kStackGuardSlack >= t_state.stack_low;
  begin_trap(f, stack ? TrapCode::kCallStackExhausted : TrapCode::kOutOfBoundsMemory);
  f->pcs[f->num_pcs++] = pc;
  walk_frames(f, fp, true);
  siglongjmp(f->jmp, 1);
}

void query_stack_bounds() {
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
  }
  t_state.stack_low = reinterpret_cast<uintptr_t>(addr);
  t_state.stack_high = reinterpret_cast<uintptr_t>(addr) + size;
  if (size == 0) {  // unknown: assume 1 MiB below the current frame
    auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
    t_state.stack_low = here - (size_t{1} << 20);
    t_state.stack_high = here + (size_t{1} << 20);
  }
}

void ensure_altstack() {
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0) return;
  size_t size = std::max<size_t>(64 * 1024, static_cast<size_t>(sysconf(_SC_SIGSTKSZ)) * 4);
  void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;  // faults then run on the thread's stack
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = size;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(mem, size);
    return;
  }
  t_altstack.mem = mem;
  t_altstack.size = size;
}

}  // namespace

void install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Read the previous handlers before ours can run, then install.
    sigaction(SIGSEGV, nullptr, &g_prev_segv);
    sigaction(SIGBUS, nullptr, &g_prev_bus);
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, nullptr);
    sigaction(SIGBUS, &sa, nullptr);
  });
}

void prepare_thread() {
  if (t_state.prepared) return;
  install_signal_handlers();
  ensure_altstack();
  query_stack_bounds();
  t_state.prepared = true;
}

StackBounds thread_stack_bounds() { return {t_state.stack_low, t_state.stack_high}; }

GuardFrame* current_guard() { return t_state.top; }

bool call_guarded(GuardFrame& frame, void (*fn)(void* arg), void* arg) {
  prepare_thread();
  GuardFrame* const f = &frame;
  f->prev = t_state.top;
  t_state.top = f;
  if (sigsetjmp(f->jmp, 0) != 0) {
    t_state.top = f->prev;
    return false;
  }
  fn(arg);
  t_state.top = f->prev;
  return true;
}

__attribute__((noinline)) void raise_trap(TrapCode code) {
  GuardFrame* f = guard_or_die("trap");
  begin_trap(f, code);
  walk_frames(f, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), false);
  siglongjmp(f->jmp, 1);
}

__attribute__((noinline)) void raise_host_error() {
  GuardFrame* f = guard_or_die("host error");
  begin_trap(f, TrapCode::kHostError);
  walk_frames(f, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), false);
  siglongjmp(f->jmp, 1);
}

void raise_exit(int32_t code) {
  GuardFrame* f = guard_or_die("exit");
  f->exited = true;
  f->exit_code = code;
  f->num_pcs = 0;
  siglongjmp(f->jmp, 1);
}

}  // namespace ws::engine::runtime
