/* WASI command wrapper of one CPU kernel: `prog [N]` runs the kernel once with size N (default
 * from kernels.def) and prints its checksum. Compiled with -DWS_KERNEL_NAME=<kernel> together
 * with that kernel's C file, both to a wasm32-wasi command and natively, so that run.sh can time
 * whole processes (start-up, compilation and exit included) under each runner. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WS_KERNEL_NAME
#error "compile with -DWS_KERNEL_NAME=<kernel>"
#endif

#define WS_STR2(x) #x
#define WS_STR(x) WS_STR2(x)
#define WS_CAT2(a, b) a##b
#define WS_CAT(a, b) WS_CAT2(a, b)

/* The kernel's entry point: `run` in Wasm builds, `<name>_run` natively (see kernel.h). */
#if defined(__wasm__)
int64_t run(int32_t n);
#define WS_KERNEL_RUN run
#else
int64_t WS_CAT(WS_KERNEL_NAME, _run)(int32_t n);
#define WS_KERNEL_RUN WS_CAT(WS_KERNEL_NAME, _run)
#endif

struct kernel_default {
  const char* name;
  int32_t n;
};

static const struct kernel_default kDefaults[] = {
#define WS_KERNEL(name, n, what) {#name, n},
#include "kernels.def"
#undef WS_KERNEL
};

int main(int argc, char** argv) {
  const char* name = WS_STR(WS_KERNEL_NAME);
  int32_t n = -1;
  for (size_t i = 0; i < sizeof kDefaults / sizeof kDefaults[0]; ++i) {
    if (strcmp(kDefaults[i].name, name) == 0) n = kDefaults[i].n;
  }
  if (argc > 2) {
    fprintf(stderr, "usage: %s [N]   (kernel %s, default N %d)\n", argv[0], name, (int)n);
    return 2;
  }
  if (argc == 2) {
    char* end = NULL;
    long v = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || v < 0 || v > INT32_MAX) {
      fprintf(stderr, "%s: N must be a non-negative int32, got '%s'\n", argv[0], argv[1]);
      return 2;
    }
    n = (int32_t)v;
  }
  if (n < 0) {
    fprintf(stderr, "%s: kernel %s is not in kernels.def\n", argv[0], name);
    return 2;
  }
  printf("%s %d %" PRId64 "\n", name, (int)n, WS_KERNEL_RUN(n));
  return 0;
}
