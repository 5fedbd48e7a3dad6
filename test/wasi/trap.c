/* A trap after some output: the runner reports it with the Wasm backtrace and exits 134. */
#include <stdio.h>

__attribute__((noinline)) static void crash_here(volatile int* p) {
  if (*p) __builtin_trap();
}

int main(void) {
  volatile int yes = 1;
  printf("before the trap\n");
  fflush(stdout);
  crash_here(&yes);
  printf("after the trap\n");
  return 0;
}
