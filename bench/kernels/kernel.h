// Entry-point naming and the PRNG shared by the CPU kernels (portable C, no libc calls).
//
// Each kernel is one C file built twice from the same source: to a Wasm module with no imports
// whose single export is `int64_t run(int32_t n)`, and natively as `<name>_run` so that all
// kernels link into one harness. `run` initialises every piece of state it uses (it is called
// repeatedly on one instance) and returns a checksum that must agree across runners.
#pragma once

#include <stdint.h>

#if defined(__wasm__)
#define WS_KERNEL_ENTRY(name) int64_t run(int32_t n)
#else
#define WS_KERNEL_CONCAT(a, b) a##b
#define WS_KERNEL_ENTRY(name) int64_t WS_KERNEL_CONCAT(name, _run)(int32_t n)
#endif

// splitmix64: one 64-bit state, full period, good enough to generate deterministic inputs.
static inline uint64_t ws_splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Bit pattern of a double, so floating-point results compare exactly across runners.
static inline int64_t ws_double_bits(double d) {
  int64_t bits;
  __builtin_memcpy(&bits, &d, sizeof bits);
  return bits;
}
