/* proc_raise: preview1 has no signals a host should deliver; the call must not crash the host. */
#include "common.h"

int main(void) {
  printf("proc_raise(0): %s\n", errno_name(ws_proc_raise(0)));
  fflush(stdout);
  printf("proc_raise(SIGUSR1): %s\n", errno_name(ws_proc_raise(10 /* usr1 in preview1 */)));
  return 0;
}
