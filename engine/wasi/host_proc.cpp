// proc_exit, proc_raise and sched_yield.
//
// proc_raise semantics: the guest is not a host process, so no host signal is ever sent.
// SIGNAL_NONE (0) succeeds and does nothing, as kill(pid, 0) would. Signals whose default
// action ignores them (CHLD, CONT, URG, WINCH) succeed and do nothing. Stop signals (STOP,
// TSTP, TTIN, TTOU) fail with ENOTSUP: a guest cannot be stopped. Every other signal ends the
// run as Exited{128 + the Linux signal number}, the status a shell reports for a process killed
// by that signal (SIGTERM -> 143, SIGKILL -> 137, SIGABRT -> 134). Numbers above 30 are EINVAL.
#include <sched.h>
#include <signal.h>

#include "engine/wasi/host.h"

namespace ws::engine::wasi::host {
namespace {

// WASI signal numbers 0..30 -> Linux signal numbers.
constexpr int kLinuxSignal[kSignalMax + 1] = {
    0,       SIGHUP,    SIGINT,  SIGQUIT,  SIGILL,  SIGTRAP, SIGABRT, SIGBUS,
    SIGFPE,  SIGKILL,   SIGUSR1, SIGSEGV,  SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
    SIGCHLD, SIGCONT,   SIGSTOP, SIGTSTP,  SIGTTIN, SIGTTOU, SIGURG,  SIGXCPU,
    SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGPOLL, SIGPWR,  SIGSYS};

}  // namespace

Errno proc_exit(Call& c) {
  c.caller.exit(static_cast<int32_t>(c.u32(0)));
  return Errno::kSuccess;
}

Errno proc_raise(Call& c) {
  uint32_t sig = c.u32(0);
  if (sig > kSignalMax) return Errno::kInval;
  int host = kLinuxSignal[sig];
  switch (host) {
    case 0:
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
      return Errno::kSuccess;
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return Errno::kNotsup;
    default:
      c.caller.exit(128 + host);
      return Errno::kSuccess;
  }
}

Errno sched_yield(Call&) {
  ::sched_yield();
  return Errno::kSuccess;
}

}  // namespace ws::engine::wasi::host
