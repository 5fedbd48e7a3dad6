// Integration guest: prints a line, then executes `unreachable`.
#include <stdio.h>

static void __attribute__((noinline)) explode(void) { __builtin_trap(); }

int main(void) {
  printf("about to trap\n");
  fflush(stdout);
  explode();
  return 0;
}
