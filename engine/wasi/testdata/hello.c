/* Prints one line to stdout and one to stderr; the end-to-end test checks both streams. */
#include <stdio.h>

int main(void) {
  printf("hello from wasi\n");
  fprintf(stderr, "to stderr\n");
  return 0;
}
