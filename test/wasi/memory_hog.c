/* Asks for 64 MiB: wasmrun --max-memory below that makes the allocation fail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keeps the allocation observable: otherwise clang folds malloc-then-null-check away. */
char* volatile sink;

int main(void) {
  size_t size = (size_t)64 << 20;
  sink = malloc(size);
  char* p = sink;
  if (p) memset(p, 1, size);
  printf("malloc(64 MiB): %s\n", p ? "ok" : "failed");
  return p ? 0 : 1;
}
