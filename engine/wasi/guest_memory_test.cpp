// GuestMemory: every access is checked against the memory size without overflow.
#include "engine/wasi/guest_memory.h"

#include <gtest/gtest.h>

#include <vector>

namespace ws::engine::wasi {
namespace {

TEST(GuestMemory, ChecksBoundsWithoutOverflow) {
  std::vector<uint8_t> bytes(65536);
  GuestMemory m(bytes.data(), bytes.size());
  EXPECT_NE(m.bytes(0, 65536), nullptr);
  EXPECT_NE(m.bytes(65536, 0), nullptr);  // empty range at the end
  EXPECT_EQ(m.bytes(65536, 1), nullptr);
  EXPECT_EQ(m.bytes(65533, 4), nullptr);
  EXPECT_EQ(m.bytes(65537, 0), nullptr);
  EXPECT_EQ(m.bytes(0xFFFFFFFFu, 2), nullptr);
  EXPECT_EQ(m.bytes(1, UINT64_MAX), nullptr);  // ptr + len wraps
  EXPECT_EQ(m.bytes(UINT64_MAX, 1), nullptr);
}

TEST(GuestMemory, LoadsStoresAndStrings) {
  std::vector<uint8_t> bytes(16);
  GuestMemory m(bytes.data(), bytes.size());
  EXPECT_TRUE(m.store<uint64_t>(8, 0x0102030405060708ull));
  EXPECT_FALSE(m.store<uint64_t>(9, 1));
  EXPECT_EQ(bytes[8], 0x08);  // little-endian, as Wasm
  uint32_t v = 0;
  EXPECT_TRUE(m.load(12, v));
  EXPECT_EQ(v, 0x01020304u);
  EXPECT_FALSE(m.load(13, v));
  EXPECT_TRUE(m.write(0, "abc"));
  std::string_view s;
  EXPECT_TRUE(m.string(0, 3, s));
  EXPECT_EQ(s, "abc");
  EXPECT_FALSE(m.string(15, 2, s));
  EXPECT_FALSE(GuestMemory().bytes(0, 1));  // no memory at all
}

}  // namespace
}  // namespace ws::engine::wasi
