// Matrix-multiply kernel: C = A * B for n x n doubles, i-k-j loop order.
//
// Entries are small integers, so every product and sum is exact and the checksum does not
// depend on how a compiler vectorises the inner loop.
#include "kernel.h"

#define MM_MAX 1024

static double a[MM_MAX * MM_MAX];
static double b[MM_MAX * MM_MAX];
static double c[MM_MAX * MM_MAX];

WS_KERNEL_ENTRY(matmul) {
  if (n > MM_MAX) n = MM_MAX;
  if (n < 1) return 0;
  uint64_t state = 0x082EFA98EC4E6C89ull;
  for (int32_t i = 0; i < n * n; ++i) {
    a[i] = (double)(int32_t)(ws_splitmix64(&state) % 17) - 8.0;
    b[i] = (double)(int32_t)(ws_splitmix64(&state) % 17) - 8.0;
    c[i] = 0.0;
  }
  for (int32_t i = 0; i < n; ++i) {
    double* ci = c + (uint32_t)(i * n);
    for (int32_t k = 0; k < n; ++k) {
      double aik = a[i * n + k];
      const double* bk = b + (uint32_t)(k * n);
      for (int32_t j = 0; j < n; ++j) ci[j] += aik * bk[j];
    }
  }
  uint64_t h = 0;
  for (int32_t i = 0; i < n * n; ++i) h = h * 31 + (uint64_t)(int64_t)c[i];
  return (int64_t)h;
}
