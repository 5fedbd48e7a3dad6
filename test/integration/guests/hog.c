// Integration guest: allocates and touches 1 MiB after another until something stops it: the
// cgroup's OOM killer, or malloc failing (it says so and exits 3). Gives up at 512 MiB (exit 4).
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  for (unsigned long mib = 1; mib <= 512; ++mib) {
    // volatile: every page is really written, so the kernel charges it.
    volatile char* p = malloc(1 << 20);
    if (p == NULL) {
      printf("malloc failed after %lu MiB\n", mib - 1);
      return 3;
    }
    for (int i = 0; i < (1 << 20); i += 4096) p[i] = (char)mib;
    if (mib % 16 == 0) {
      printf("allocated %lu MiB\n", mib);
      fflush(stdout);
    }
  }
  printf("allocated 512 MiB and nothing stopped it\n");
  return 4;
}
