/* proc_raise: no host signal is ever sent (engine/wasi/README.md). SIGNAL_NONE and ignored
 * signals succeed, stop signals are ENOTSUP, numbers above 30 are EINVAL, and any other signal
 * ends the run as if killed: exit status 128 + the Linux signal number (SIGUSR1: 138). */
#include "common.h"

/* Preview1 signal numbers (wasi-libc's headers in Debian 12 do not define them). */
enum { kNone = 0, kUsr1 = 10, kChld = 16, kStop = 18, kWinch = 27 };

int main(void) {
  printf("proc_raise(NONE): %s\n", errno_name(ws_proc_raise(kNone)));
  printf("proc_raise(CHLD): %s\n", errno_name(ws_proc_raise(kChld)));
  printf("proc_raise(WINCH): %s\n", errno_name(ws_proc_raise(kWinch)));
  printf("proc_raise(STOP): %s\n", errno_name(ws_proc_raise(kStop)));
  printf("proc_raise(31): %s\n", errno_name(ws_proc_raise(31)));
  fflush(stdout);
  printf("proc_raise(USR1): %s\n", errno_name(ws_proc_raise(kUsr1)));
  return 0;
}
