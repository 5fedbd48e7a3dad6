/* proc_exit: the run ends with the guest's code; nothing after it runs. */
#include "common.h"

int main(void) {
  printf("exiting with 42\n");
  fflush(stdout);
  __wasi_proc_exit(42);
  printf("still running after proc_exit\n");
  return 0;
}
