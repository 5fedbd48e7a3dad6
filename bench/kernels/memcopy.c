// Memory-copying kernel: memcpy/memmove of mixed sizes between pseudo-random offsets.
//
// Built for Wasm with -mbulk-memory, so __builtin_memcpy/__builtin_memmove become memory.copy
// (and the module needs no libc); natively they are calls to the C library's memcpy/memmove.
#include "kernel.h"

#define MC_BYTES (8u << 20)

static uint64_t words[MC_BYTES / 8];

// 3/4 of the copies are 1-256 bytes, 3/16 are 1-17 KiB, 1/16 are 64-320 KiB. Even iterations
// copy between the two halves of the buffer (memcpy, never overlapping); odd ones memmove
// anywhere, usually overlapping for the large sizes.
WS_KERNEL_ENTRY(memcopy) {
  uint64_t state = 0x13198A2E03707344ull;
  for (uint32_t i = 0; i < MC_BYTES / 8; ++i) words[i] = ws_splitmix64(&state);
  uint8_t* mem = (uint8_t*)words;
  uint64_t sum = 0;
  for (int32_t i = 0; i < n; ++i) {
    uint64_t r = ws_splitmix64(&state);
    uint32_t kind = (uint32_t)r & 15u;
    uint32_t len;
    if (kind < 12) {
      len = 1 + (uint32_t)((r >> 4) & 255u);
    } else if (kind < 15) {
      len = 1024 + (uint32_t)((r >> 4) & 16383u);
    } else {
      len = 65536 + (uint32_t)((r >> 4) & 262143u);
    }
    uint32_t a = (uint32_t)(r >> 32);
    uint32_t b = (uint32_t)ws_splitmix64(&state);
    uint32_t src, dst;
    if ((i & 1) == 0) {
      const uint32_t half = MC_BYTES / 2;
      src = a % (half - len);
      dst = half + b % (half - len);
      if (b & 1) {  // copy from the upper half to the lower one instead
        uint32_t t = src;
        src = dst;
        dst = t;
      }
      __builtin_memcpy(mem + dst, mem + src, len);
    } else {
      src = a % (MC_BYTES - len);
      dst = b % (MC_BYTES - len);
      __builtin_memmove(mem + dst, mem + src, len);
    }
    sum = sum * 31 + mem[dst + len / 2] + mem[dst + len - 1];
  }
  for (uint32_t i = 0; i < MC_BYTES / 8; i += 64) sum = (sum ^ words[i]) * 0x100000001B3ull;
  return (int64_t)sum;
}
