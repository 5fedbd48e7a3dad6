// Integration guest: reports whether stdout is a terminal (WASI character device).
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf(isatty(1) ? "stdout is a tty\n" : "stdout is not a tty\n");
  return 0;
}
