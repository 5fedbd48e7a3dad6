// LEB128 decoding with the spec's limits, and UTF-8 checking of names.
#include "engine/decode/reader.h"

namespace ws::engine {

// The last byte of a maximal-length encoding may only carry the bits that remain of `bits`;
// anything else is "integer too large"; a continuation bit there is "representation too long".
bool Reader::leb_unsigned(int max_bytes, int bits, uint64_t& v) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes; ++i) {
    uint8_t b;
    if (!u8(b)) return false;
    int shift = 7 * i;
    if (i == max_bytes - 1) {
      if (b & 0x80) return fail_at(offset() - 1, "integer representation too long");
      int used = bits - shift;
      if ((b >> used) != 0) return fail_at(offset() - 1, "integer too large");
    }
    result |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      v = result;
      return true;
    }
  }
  return false;  // unreachable: the last byte either ends or fails
}

bool Reader::leb_signed(int max_bytes, int bits, int64_t& v) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes; ++i) {
    uint8_t b;
    if (!u8(b)) return false;
    int shift = 7 * i;
    if (i == max_bytes - 1) {
      if (b & 0x80) return fail_at(offset() - 1, "integer representation too long");
      // Bits from the sign bit up to bit 6 must all equal the sign bit.
      int used = bits - shift;  // value bits in this byte, sign bit included
      uint8_t high = static_cast<uint8_t>(b >> (used - 1)) & 0x7F;
      uint8_t all = static_cast<uint8_t>(0x7F >> (used - 1));
      if (high != 0 && high != all) return fail_at(offset() - 1, "integer too large");
    }
    result |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      shift += 7;
      if (shift < 64 && (b & 0x40)) result |= ~uint64_t(0) << shift;
      v = static_cast<int64_t>(result);
      return true;
    }
  }
  return false;
}

bool Reader::count(uint32_t& n, size_t min_item_size) {
  size_t at = offset();
  if (!u32(n)) return false;
  if (static_cast<uint64_t>(n) * min_item_size > remaining()) {
    return fail_at(at, file_end_ ? "unexpected end" : "unexpected end of section or function");
  }
  return true;
}

bool Reader::name(std::string& out) {
  uint32_t len;
  size_t at = offset();
  if (!u32(len)) return false;
  if (len > remaining()) return fail_at(at, "length out of bounds");
  out.assign(reinterpret_cast<const char*>(p_), len);
  p_ += len;
  if (!is_valid_utf8(out)) return fail_at(at, "malformed UTF-8 encoding");
  return true;
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* end = p + s.size();
  while (p < end) {
    uint8_t c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i] & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += len;
  }
  return true;
}

}  // namespace ws::engine
