// Integration guest: greets, echoes its arguments and one variable, exits with argv[1] if given.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  printf("hello from wasm\n");
  for (int i = 0; i < argc; ++i) printf("arg[%d]=%s\n", i, argv[i]);
  const char* g = getenv("GREETING");
  printf("GREETING=%s\n", g ? g : "(unset)");
  fflush(stdout);
  fprintf(stderr, "to stderr\n");
  return argc > 1 ? atoi(argv[1]) : 0;
}
