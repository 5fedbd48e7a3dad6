/* Loops forever after one line: --timeout must interrupt it. */
#include <stdio.h>

int main(void) {
  printf("spinning\n");
  fflush(stdout);
  volatile unsigned long n = 0;
  for (;;) ++n;
}
