// Integration guest: allocates and touches argv[1] MiB (default 32), says so, then sleeps until
// something stops it (blocked in poll_oneoff, so only a signal from outside ends it).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
  unsigned long mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
  volatile char* p = malloc(mib << 20);
  if (p == NULL) {
    printf("malloc of %lu MiB failed\n", mib);
    return 3;
  }
  for (unsigned long i = 0; i < (mib << 20); i += 4096) p[i] = (char)i;
  printf("holding %lu MiB\n", mib);
  fflush(stdout);
  struct timespec ts = {3600, 0};
  for (;;) nanosleep(&ts, NULL);
  return 0;
}
