// Image blur kernel: n passes of a separable 3x3 binomial filter ([1 2 1] x [1 2 1] / 16, with
// rounding) over a 1024 x 1024 8-bit grayscale image; border pixels are copied. Integer-only, so
// every build returns the same checksum. The row loops are what clang vectorises: bytes widened
// to 16-bit lanes, shifted adds, narrowed back.
#include "simd_kernel.h"

#define BLUR_W 1024
#define BLUR_H 1024

static uint8_t image[BLUR_H][BLUR_W];
static uint8_t out[BLUR_H][BLUR_W];
static uint16_t rows[3][BLUR_W];  // horizontal sums of the rows above, at and below y

// left, mid and right are one row at offsets 0, 1 and 2, passed separately (and not inlined)
// so that clang does not turn the overlapping loads into a recurrence it cannot vectorise.
__attribute__((noinline)) static void horizontal_row(const uint8_t* left, const uint8_t* mid,
                                                      const uint8_t* right,
                                                      uint16_t* restrict dst) {
  for (int x = 0; x < BLUR_W - 2; ++x) dst[x] = (uint16_t)(left[x] + 2 * mid[x] + right[x]);
}

static void horizontal(const uint8_t* src, uint16_t* dst) {
  horizontal_row(src, src + 1, src + 2, dst + 1);
}

// The border columns, outside the row loop so that it has no value live after it.
static void horizontal_edges(const uint8_t* src, uint16_t* dst) {
  dst[0] = (uint16_t)(4 * src[0]);
  dst[BLUR_W - 1] = (uint16_t)(4 * src[BLUR_W - 1]);
}

static void vertical(const uint16_t* restrict up, const uint16_t* restrict mid,
                     const uint16_t* restrict down, uint8_t* restrict dst) {
  for (int x = 0; x < BLUR_W; ++x) {
    uint16_t sum = (uint16_t)(up[x] + 2 * mid[x] + down[x] + 8);  // at most 16 * 255 + 8
    dst[x] = (uint8_t)(sum >> 4);
  }
}

static void blur_pass(void) {
  for (int x = 0; x < BLUR_W; ++x) {
    out[0][x] = image[0][x];
    out[BLUR_H - 1][x] = image[BLUR_H - 1][x];
  }
  for (int y = 0; y < 2; ++y) {
    horizontal(image[y], rows[y]);
    horizontal_edges(image[y], rows[y]);
  }
  for (int y = 1; y < BLUR_H - 1; ++y) {
    horizontal(image[y + 1], rows[(y + 1) % 3]);
    horizontal_edges(image[y + 1], rows[(y + 1) % 3]);
    vertical(rows[(y - 1) % 3], rows[y % 3], rows[(y + 1) % 3], out[y]);
    out[y][0] = image[y][0];
    out[y][BLUR_W - 1] = image[y][BLUR_W - 1];
  }
  for (int y = 0; y < BLUR_H; ++y) {
    for (int x = 0; x < BLUR_W; ++x) image[y][x] = out[y][x];
  }
}

WS_SIMD_ENTRY(blur) {
  uint64_t state = 0x5DEECE66Dull;
  for (int y = 0; y < BLUR_H; ++y) {
    for (int x = 0; x < BLUR_W; x += 8) {
      uint64_t r = ws_splitmix64(&state);
      for (int i = 0; i < 8; ++i) image[y][x + i] = (uint8_t)(r >> (8 * i));
    }
  }
  for (int32_t pass = 0; pass < n; ++pass) blur_pass();
  uint64_t h = 0xCBF29CE484222325ull;  // FNV-1a over the result
  for (int y = 0; y < BLUR_H; ++y) {
    for (int x = 0; x < BLUR_W; ++x) h = (h ^ image[y][x]) * 0x100000001B3ull;
  }
  return (int64_t)h;
}
