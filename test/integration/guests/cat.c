// Integration guest: copies stdin to stdout until EOF, then says how many bytes it saw.
#include <stdio.h>

int main(void) {
  char buf[4096];
  size_t n, total = 0;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    fwrite(buf, 1, n, stdout);
    total += n;
  }
  printf("[eof after %zu bytes]\n", total);
  return 0;
}
