// Sorting kernel: quicksort (median of three, insertion sort below 16) of pseudo-random int32.
#include "kernel.h"

#define SORT_CAP (1 << 22)

static int32_t values[SORT_CAP];

static void insertion_sort(int32_t* a, int32_t lo, int32_t hi) {
  for (int32_t i = lo + 1; i <= hi; ++i) {
    int32_t v = a[i];
    int32_t j = i - 1;
    while (j >= lo && a[j] > v) {
      a[j + 1] = a[j];
      --j;
    }
    a[j + 1] = v;
  }
}

static inline void swap(int32_t* a, int32_t i, int32_t j) {
  int32_t t = a[i];
  a[i] = a[j];
  a[j] = t;
}

// Sorts a[lo..hi] (inclusive); recurses into the smaller part so the depth stays O(log n).
static void quicksort(int32_t* a, int32_t lo, int32_t hi) {
  while (hi - lo > 16) {
    int32_t mid = lo + (hi - lo) / 2;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    int32_t pivot = a[mid];
    int32_t i = lo - 1, j = hi + 1;
    for (;;) {
      do {
        ++i;
      } while (a[i] < pivot);
      do {
        --j;
      } while (a[j] > pivot);
      if (i >= j) break;
      swap(a, i, j);
    }
    if (j - lo < hi - j) {
      quicksort(a, lo, j);
      lo = j + 1;
    } else {
      quicksort(a, j + 1, hi);
      hi = j;
    }
  }
  insertion_sort(a, lo, hi);
}

// Checksum: a polynomial hash of the sorted array, or -1 if it is not sorted.
WS_KERNEL_ENTRY(sort) {
  if (n > SORT_CAP) n = SORT_CAP;
  if (n < 1) return 0;
  uint64_t state = 0xA4093822299F31D0ull;
  for (int32_t i = 0; i < n; ++i) values[i] = (int32_t)ws_splitmix64(&state);
  quicksort(values, 0, n - 1);
  uint64_t h = 0;
  for (int32_t i = 0; i < n; ++i) {
    if (i > 0 && values[i - 1] > values[i]) return -1;
    h = h * 1000003u + (uint32_t)values[i];
  }
  return (int64_t)h;
}
