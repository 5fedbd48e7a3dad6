// Integration guest: prints a numbered line every 100 ms, forever.
#include <stdio.h>
#include <time.h>

int main(void) {
  struct timespec ts = {0, 100 * 1000 * 1000};
  for (unsigned long i = 0;; ++i) {
    printf("tick %lu\n", i);
    fflush(stdout);
    nanosleep(&ts, NULL);
  }
  return 0;
}
