// Entry-point naming for the SIMD kernels: one C file built four ways (wasm32 scalar, wasm32
// with -msimd128, native with SSE4.2, native with AVX2) from the same source, which is written
// so that clang's vectorisers find the SIMD in it.
//
// The Wasm builds export `int64_t run(int32_t n)`; each native build defines
// `<name>_<variant>` (variant from -DWS_SIMD_VARIANT=sse42|avx2) so that both link into one
// harness. `run` initialises the state it uses and returns a checksum every build agrees on.
#pragma once

#include "../kernels/kernel.h"

#if defined(__wasm__)
#define WS_SIMD_ENTRY(name) int64_t run(int32_t n)
#else
#define WS_SIMD_CAT(a, b, c) a##_##c
#define WS_SIMD_CAT2(a, c) WS_SIMD_CAT(a, _, c)
#define WS_SIMD_ENTRY(name) int64_t WS_SIMD_CAT2(name, WS_SIMD_VARIANT)(int32_t n)
#endif
