// Dot-product kernel: n dot products of two 16384-element float vectors (64 KiB each, in L2),
// with 16 partial sums in a fixed order, so the result is bit-identical in every build while
// clang's SLP vectoriser turns the partial sums into f32x4 (or AVX's 8-lane) multiplies and
// adds. Each product also gets a small per-round scale so no call repeats the previous one.
#include "simd_kernel.h"

#define DOT_N 16384
#define DOT_LANES 16

static float xs[DOT_N];
static float ys[DOT_N];

static float dot(const float* restrict x, const float* restrict y, float scale) {
  float acc[DOT_LANES] = {0};
  for (int i = 0; i < DOT_N; i += DOT_LANES) {
    for (int j = 0; j < DOT_LANES; ++j) acc[j] += x[i + j] * (y[i + j] * scale);
  }
  float sum = 0;
  for (int j = 0; j < DOT_LANES; ++j) sum += acc[j];
  return sum;
}

WS_SIMD_ENTRY(dot) {
  uint64_t state = 0x2545F4914F6CDD1Dull;
  for (int i = 0; i < DOT_N; ++i) {
    xs[i] = (float)(int32_t)(ws_splitmix64(&state) % 2001) / 1000.0f - 1.0f;
    ys[i] = (float)(int32_t)(ws_splitmix64(&state) % 2001) / 1000.0f - 1.0f;
  }
  uint64_t h = 0;
  for (int32_t round = 0; round < n; ++round) {
    float s = dot(xs, ys, 1.0f + (float)(round & 7) * 0.125f);
    uint32_t bits;
    __builtin_memcpy(&bits, &s, sizeof bits);
    h = h * 31 + bits;
  }
  return (int64_t)h;
}
