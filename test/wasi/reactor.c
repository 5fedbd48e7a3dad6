/* A WASI reactor (no _start) for wasmrun --invoke: _initialize runs the constructor first. */
#include <stdint.h>
#include <stdio.h>

static int initialized;

__attribute__((constructor)) static void init(void) { initialized = 1; }

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) { return a + b; }

__attribute__((export_name("initialized"))) int32_t was_initialized(void) { return initialized; }

__attribute__((export_name("mix"))) double mix(int64_t a, float b, double c) {
  return (double)a + (double)b + c;
}

__attribute__((export_name("greet"))) void greet(void) {
  printf("hello from a reactor\n");
  fflush(stdout);
}

__attribute__((export_name("divide"))) int32_t divide(int32_t a, int32_t b) { return a / b; }
