/* Asks for 64 MiB: wasmrun --max-memory below that makes the allocation fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t size = (size_t)64 << 20;
  char* p = malloc(size);
  if (p) memset(p, 1, size);
  printf("malloc(64 MiB): %s\n", p ? "ok" : "failed");
  return p ? 0 : 1;
}
