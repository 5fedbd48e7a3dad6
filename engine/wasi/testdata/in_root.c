/* Run with the host directory as "/" in kInRoot mode, as a container's rootfs: an absolute
 * symlink in the image resolves inside it, and ".." cannot climb above it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void cat(const char* path) {
  char buf[64] = {0};
  FILE* f = fopen(path, "r");
  if (!f) {
    printf("%s: errno %d\n", path, errno);
    return;
  }
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[strcspn(buf, "\n")] = 0;
  printf("%s: %zu %s\n", path, n, buf);
}

int main(void) {
  cat("/etc/os-release");
  cat("/../../../etc/os-release");
  cat("/usr/lib/../../etc/os-release");
  return 0;
}
