// Test-only helpers: build small Wasm binaries byte by byte and check what decode_module says.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decode/decoder.h"
#include "gtest/gtest.h"

namespace ws::engine::testing {

// An append-only byte buffer with the encodings of the binary format.
class Bytes {
 public:
  Bytes() = default;
  Bytes(std::initializer_list<uint8_t> raw) : v_(raw) {}

  Bytes& raw(std::initializer_list<uint8_t> b) {
    v_.insert(v_.end(), b.begin(), b.end());
    return *this;
  }
  Bytes& add(const Bytes& b) {
    v_.insert(v_.end(), b.v_.begin(), b.v_.end());
    return *this;
  }
  Bytes& u8(uint8_t b) {
    v_.push_back(b);
    return *this;
  }
  // Minimal unsigned LEB128.
  Bytes& u32(uint64_t n) {
    do {
      uint8_t b = n & 0x7F;
      n >>= 7;
      v_.push_back(n ? (b | 0x80) : b);
    } while (n);
    return *this;
  }
  // Minimal signed LEB128.
  Bytes& s64(int64_t n) {
    for (;;) {
      uint8_t b = n & 0x7F;
      n >>= 7;  // arithmetic shift
      bool done = (n == 0 && !(b & 0x40)) || (n == -1 && (b & 0x40));
      v_.push_back(done ? b : (b | 0x80));
      if (done) return *this;
    }
  }
  // A length-prefixed name (bytes as given, not checked).
  Bytes& str(std::string_view s) {
    u32(s.size());
    v_.insert(v_.end(), s.begin(), s.end());
    return *this;
  }

  size_t size() const { return v_.size(); }
  const std::vector<uint8_t>& vec() const { return v_; }

 private:
  std::vector<uint8_t> v_;
};

// id, size, content.
inline Bytes section(uint8_t id, const Bytes& content) {
  Bytes b;
  b.u8(id).u32(content.size()).add(content);
  return b;
}

// A vector: count, then the items concatenated.
inline Bytes vec(std::initializer_list<Bytes> items) {
  Bytes b;
  b.u32(items.size());
  for (const Bytes& i : items) b.add(i);
  return b;
}

// The 8-byte header followed by the given sections (or any bytes).
inline std::vector<uint8_t> module(std::initializer_list<Bytes> parts) {
  Bytes b{0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
  for (const Bytes& p : parts) b.add(p);
  return b.vec();
}

// A function body: size, local declarations (count, type) and the instruction bytes.
inline Bytes body(std::initializer_list<std::pair<uint32_t, uint8_t>> locals, const Bytes& code) {
  Bytes inner;
  inner.u32(locals.size());
  for (auto [n, t] : locals) inner.u32(n).u8(t);
  inner.add(code);
  Bytes b;
  b.u32(inner.size()).add(inner);
  return b;
}

// Section ids.
inline constexpr uint8_t kCustomId = 0, kTypeId = 1, kImportId = 2, kFunctionId = 3, kTableId = 4,
                         kMemoryId = 5, kGlobalId = 6, kExportId = 7, kStartId = 8, kElementId = 9,
                         kCodeId = 10, kDataId = 11, kDataCountId = 12;

// Common pieces: the type `[] -> []` and one function of that type with an empty body.
inline Bytes type_void() { return section(kTypeId, vec({Bytes{0x60, 0x00, 0x00}})); }
inline Bytes one_func() { return section(kFunctionId, vec({Bytes{0x00}})); }
inline Bytes one_empty_body() { return section(kCodeId, vec({body({}, Bytes{0x0B})})); }

// Decodes `b`, expecting success (a failed expectation returns an empty module).
inline Module decode_ok(const std::vector<uint8_t>& b, const Features& f = {}) {
  absl::StatusOr<Module> m = decode_module(std::span<const uint8_t>(b), f);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? *std::move(m) : Module{};
}

// Decodes `b`, expecting INVALID_ARGUMENT with exactly `message`:
// "<section> section, offset 0x<hex>: <reason>".
inline void expect_malformed(const std::vector<uint8_t>& b, const std::string& message,
                             const Features& f = {}) {
  absl::StatusOr<Module> m = decode_module(std::span<const uint8_t>(b), f);
  ASSERT_FALSE(m.ok()) << "decoded; expected: " << message;
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(m.status().message()), message);
}

}  // namespace ws::engine::testing
