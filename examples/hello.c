/* The smallest Wasm container: greets, prints its arguments, and shows which function the shim
 * called (`_start`, or the export `greet` when the entrypoint is `/hello.wasm#greet`). */
#include <stdio.h>

int main(int argc, char** argv) {
  printf("Hello from a WebAssembly container!\n");
  for (int i = 1; i < argc; ++i) printf("  argument %d: %s\n", i, argv[i]);
  return 0;
}

/* Called instead of `_start` with the entrypoint `/hello.wasm#greet`: no argv set-up by main. */
__attribute__((export_name("greet"))) void greet(void) {
  printf("Hello from the exported function greet!\n");
  fflush(stdout);
}
