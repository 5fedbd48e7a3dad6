// Bounds-checked reader over a byte range with LEB128 decoding; the first error sticks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ws::engine {

// Every read either succeeds or records one error (offset + spec-style reason) and returns
// false; later reads then fail too, so callers may check once after a run of reads.
class Reader {
 public:
  // `base` is the offset of `begin` in the module; `file_end` tells whether `end` is the end of
  // the whole input (the spec reports "unexpected end" there, and "unexpected end of section
  // or function" inside a section).
  Reader(const uint8_t* begin, const uint8_t* end, size_t base, bool file_end)
      : begin_(begin), p_(begin), end_(end), base_(base), file_end_(file_end) {}

  bool ok() const { return error_ == nullptr; }
  bool at_end() const { return p_ >= end_; }
  size_t offset() const { return base_ + static_cast<size_t>(p_ - begin_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* pos() const { return p_; }
  const char* error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  const std::string& error_detail() const { return detail_; }

  bool fail(const char* reason) { return fail_at(offset(), reason); }
  bool fail_at(size_t offset, const char* reason, std::string detail = {}) {
    if (error_ == nullptr) {
      error_ = reason;
      error_offset_ = offset;
      detail_ = std::move(detail);
    }
    p_ = end_;
    return false;
  }

  bool u8(uint8_t& v) {
    if (p_ >= end_) return fail_end();
    v = *p_++;
    return true;
  }
  bool peek(uint8_t& v) const {
    if (p_ >= end_) return false;
    v = *p_;
    return true;
  }
  bool skip(size_t n) {
    if (remaining() < n) return fail_end();
    p_ += n;
    return true;
  }
  bool bytes(size_t n, const uint8_t*& out) {
    out = p_;
    return skip(n);
  }

  bool u32(uint32_t& v) {
    if (p_ < end_ && *p_ < 0x80) {
      v = *p_++;
      return true;
    }
    uint64_t w;
    if (!leb_unsigned(5, 32, w)) return false;
    v = static_cast<uint32_t>(w);
    return true;
  }
  bool u64(uint64_t& v) { return leb_unsigned(10, 64, v); }
  bool s32(int32_t& v) {
    if (p_ < end_ && *p_ < 0x80) {
      v = static_cast<int32_t>(static_cast<uint32_t>(*p_++) << 25) >> 25;  // sign-extend 7 bits
      return true;
    }
    int64_t w;
    if (!leb_signed(5, 32, w)) return false;
    v = static_cast<int32_t>(w);
    return true;
  }
  bool s33(int64_t& v) { return leb_signed(5, 33, v); }
  bool s64(int64_t& v) { return leb_signed(10, 64, v); }

  bool fixed32(uint32_t& v) {
    if (remaining() < 4) return fail_end();
    v = uint32_t(p_[0]) | uint32_t(p_[1]) << 8 | uint32_t(p_[2]) << 16 | uint32_t(p_[3]) << 24;
    p_ += 4;
    return true;
  }
  bool fixed64(uint64_t& v) {
    uint32_t lo, hi;
    if (!fixed32(lo) || !fixed32(hi)) return false;
    v = uint64_t(hi) << 32 | lo;
    return true;
  }

  // A length-prefixed UTF-8 name.
  bool name(std::string& out);
  // A count of items each at least `min_item_size` bytes long: counts the remaining bytes
  // cannot hold are rejected before anything is allocated.
  bool count(uint32_t& n, size_t min_item_size = 1);

 private:
  bool fail_end() {
    return fail(file_end_ ? "unexpected end" : "unexpected end of section or function");
  }
  bool leb_unsigned(int max_bytes, int bits, uint64_t& v);
  bool leb_signed(int max_bytes, int bits, int64_t& v);

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
  size_t base_;
  bool file_end_;
  const char* error_ = nullptr;
  size_t error_offset_ = 0;
  std::string detail_;
};

// Strict UTF-8 check (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace ws::engine
