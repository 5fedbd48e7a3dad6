// Integration guest: announces itself, then computes forever (until killed or interrupted).
#include <stdio.h>

int main(void) {
  printf("spinning\n");
  fflush(stdout);
  volatile unsigned long n = 0;
  for (;;) ++n;
  return 0;
}
