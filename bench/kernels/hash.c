// Integer hashing kernel: byte-serial FNV-1a and a 4-lane xxh64-like hash over a 1 MiB buffer.
#include "kernel.h"

#define HASH_BYTES (1u << 20)
#define FNV_BYTES (HASH_BYTES / 4)

static uint64_t buffer[HASH_BYTES / 8];

static const uint64_t kP1 = 0x9E3779B185EBCA87ull;
static const uint64_t kP2 = 0xC2B2AE3D27D4EB4Full;
static const uint64_t kP3 = 0x165667B19E3779F9ull;
static const uint64_t kP4 = 0x85EBCA77C2B2AE63ull;

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

static uint64_t fnv1a(const uint8_t* p, uint32_t len, uint64_t h) {
  for (uint32_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x100000001B3ull;
  }
  return h;
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t v) {
  acc += v * kP2;
  acc = rotl64(acc, 31);
  return acc * kP1;
}

// xxh64's structure (stripes of 32 bytes, four lanes, merge, avalanche); len % 32 == 0.
static uint64_t xxh_like(const uint8_t* p, uint32_t len, uint64_t seed) {
  uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
  for (uint32_t i = 0; i < len; i += 32) {
    v1 = xxh_round(v1, load64(p + i));
    v2 = xxh_round(v2, load64(p + i + 8));
    v3 = xxh_round(v3, load64(p + i + 16));
    v4 = xxh_round(v4, load64(p + i + 24));
  }
  uint64_t h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
  h = (h ^ xxh_round(0, v1)) * kP1 + kP4;
  h = (h ^ xxh_round(0, v2)) * kP1 + kP4;
  h = (h ^ xxh_round(0, v3)) * kP1 + kP4;
  h = (h ^ xxh_round(0, v4)) * kP1 + kP4;
  h += len;
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  return h ^ (h >> 32);
}

// Each pass hashes the whole buffer with xxh_like and a quarter of it (at an offset that moves
// with the pass, so unaligned) with FNV-1a, then perturbs one word so passes differ.
WS_KERNEL_ENTRY(hash) {
  uint64_t state = 0x243F6A8885A308D3ull;
  for (uint32_t i = 0; i < HASH_BYTES / 8; ++i) buffer[i] = ws_splitmix64(&state);
  const uint8_t* bytes = (const uint8_t*)buffer;
  uint64_t h = 0xCBF29CE484222325ull;
  for (int32_t pass = 0; pass < n; ++pass) {
    uint32_t off = ((uint32_t)pass * 4099u) % (HASH_BYTES - FNV_BYTES);
    h = fnv1a(bytes + off, FNV_BYTES, h);
    h ^= xxh_like(bytes, HASH_BYTES, h + (uint64_t)pass);
    buffer[h % (HASH_BYTES / 8)] ^= h;
  }
  return (int64_t)h;
}
