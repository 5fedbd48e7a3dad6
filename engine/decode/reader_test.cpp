// Unit tests of Reader: LEB128 limits and errors, names, counts, and strict UTF-8 checking.
#include "engine/decode/reader.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace ws::engine {
namespace {

// The outcome of one read: the value, or the error and where it was reported.
template <typename T>
struct Read {
  bool ok = false;
  T value{};
  std::string error;
  size_t offset = 0;
  size_t consumed = 0;
};

// Reads one value with `method` from `bytes` placed at module offset `base`.
template <typename T>
Read<T> read(bool (Reader::*method)(T&), std::vector<uint8_t> bytes, size_t base = 0,
             bool file_end = true) {
  Reader r(bytes.data(), bytes.data() + bytes.size(), base, file_end);
  Read<T> out;
  out.ok = (r.*method)(out.value);
  if (!out.ok) {
    out.error = r.error();
    out.offset = r.error_offset();
  }
  EXPECT_EQ(out.ok, r.ok());
  out.consumed = r.offset() - base;
  return out;
}

Read<uint32_t> u32(std::vector<uint8_t> b) { return read(&Reader::u32, std::move(b)); }
Read<uint64_t> u64(std::vector<uint8_t> b) { return read(&Reader::u64, std::move(b)); }
Read<int32_t> s32(std::vector<uint8_t> b) { return read(&Reader::s32, std::move(b)); }
Read<int64_t> s33(std::vector<uint8_t> b) { return read(&Reader::s33, std::move(b)); }
Read<int64_t> s64(std::vector<uint8_t> b) { return read(&Reader::s64, std::move(b)); }

template <typename T>
void expect_value(const Read<T>& r, T v, size_t consumed) {
  ASSERT_TRUE(r.ok) << r.error << " at " << r.offset;
  EXPECT_EQ(r.value, v);
  EXPECT_EQ(r.consumed, consumed);
}

template <typename T>
void expect_error(const Read<T>& r, const char* error, size_t offset) {
  ASSERT_FALSE(r.ok) << "decoded " << r.value;
  EXPECT_EQ(r.error, error);
  EXPECT_EQ(r.offset, offset);
}

TEST(ReaderU32, MinimalEncodings) {
  expect_value(u32({0x00}), 0u, 1);
  expect_value(u32({0x01}), 1u, 1);
  expect_value(u32({0x7F}), 127u, 1);
  expect_value(u32({0x80, 0x01}), 128u, 2);
  expect_value(u32({0xE5, 0x8E, 0x26}), 624485u, 3);
  expect_value(u32({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), UINT32_MAX, 5);
}

TEST(ReaderU32, StopsAtTheLastByte) {
  expect_value(u32({0x05, 0x80, 0x80}), 5u, 1);
  expect_value(u32({0x80, 0x01, 0xFF}), 128u, 2);
}

TEST(ReaderU32, NonMinimalEncodingsUpToFiveBytesAreAccepted) {
  expect_value(u32({0x80, 0x00}), 0u, 2);
  expect_value(u32({0x81, 0x80, 0x80, 0x80, 0x00}), 1u, 5);
  expect_value(u32({0xFF, 0x80, 0x80, 0x80, 0x00}), 127u, 5);
}

TEST(ReaderU32, SixBytesAreTooLong) {
  expect_error(u32({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), "integer representation too long", 4);
  expect_error(u32({0x82, 0x80, 0x80, 0x80, 0x80, 0x00}), "integer representation too long", 4);
}

TEST(ReaderU32, UnusedBitsOfTheFifthByteMustBeZero) {
  expect_error(u32({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}), "integer too large", 4);
  expect_error(u32({0x80, 0x80, 0x80, 0x80, 0x10}), "integer too large", 4);
  expect_error(u32({0x82, 0x80, 0x80, 0x80, 0x70}), "integer too large", 4);
  expect_error(u32({0x82, 0x80, 0x80, 0x80, 0x40}), "integer too large", 4);
}

TEST(ReaderU32, Unterminated) {
  expect_error(u32({}), "unexpected end", 0);
  expect_error(u32({0x80}), "unexpected end", 1);
  expect_error(u32({0xFF, 0xFF, 0xFF, 0xFF}), "unexpected end", 4);
}

TEST(ReaderU32, UnterminatedInsideASectionAndBaseOffset) {
  Read<uint32_t> r = read(&Reader::u32, {0x80, 0x80}, 100, false);
  expect_error(r, "unexpected end of section or function", 102);
  expect_error(read(&Reader::u32, {0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 0x20),
               "integer representation too long", 0x24);
}

TEST(ReaderU64, Encodings) {
  expect_value(u64({0x00}), uint64_t{0}, 1);
  expect_value(u64({0x80, 0x80, 0x80, 0x80, 0x10}), uint64_t{1} << 32, 5);
  expect_value(u64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), UINT64_MAX, 10);
  expect_value(u64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), uint64_t{0}, 10);
}

TEST(ReaderU64, Errors) {
  expect_error(u64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}),
               "integer too large", 9);
  expect_error(u64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7E}),
               "integer too large", 9);
  expect_error(u64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}),
               "integer representation too long", 9);
  expect_error(u64({0x80, 0x80, 0x80}), "unexpected end", 3);
}

TEST(ReaderS32, SignExtension) {
  expect_value(s32({0x00}), 0, 1);
  expect_value(s32({0x3F}), 63, 1);
  expect_value(s32({0x40}), -64, 1);
  expect_value(s32({0x7F}), -1, 1);
  expect_value(s32({0xC0, 0x00}), 64, 2);
  expect_value(s32({0x80, 0x7F}), -128, 2);
  expect_value(s32({0xFF, 0x00}), 127, 2);
}

TEST(ReaderS32, Extremes) {
  expect_value(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x07}), INT32_MAX, 5);
  expect_value(s32({0x80, 0x80, 0x80, 0x80, 0x78}), INT32_MIN, 5);
}

TEST(ReaderS32, NonMinimal) {
  expect_value(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), -1, 5);
  expect_value(s32({0x80, 0x80, 0x80, 0x80, 0x00}), 0, 5);
  expect_value(s32({0xFF, 0x7F}), -1, 2);
}

TEST(ReaderS32, UnusedBitsMustMatchTheSign) {
  expect_error(s32({0x80, 0x80, 0x80, 0x80, 0x08}), "integer too large", 4);  // +2^31
  expect_error(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x77}), "integer too large", 4);  // -2^31-1
  expect_error(s32({0x80, 0x80, 0x80, 0x80, 0x70}), "integer too large", 4);
  expect_error(s32({0xFF, 0xFF, 0xFF, 0xFF, 0x4F}), "integer too large", 4);
  expect_error(s32({0x80, 0x80, 0x80, 0x80, 0x1F}), "integer too large", 4);
}

TEST(ReaderS32, TooLongAndUnterminated) {
  expect_error(s32({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), "integer representation too long", 4);
  expect_error(s32({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), "integer representation too long", 4);
  expect_error(s32({0xFF}), "unexpected end", 1);
}

TEST(ReaderS33, Range) {
  expect_value(s33({0x00}), int64_t{0}, 1);
  expect_value(s33({0x7F}), int64_t{-1}, 1);
  expect_value(s33({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), int64_t{UINT32_MAX}, 5);
  expect_value(s33({0x80, 0x80, 0x80, 0x80, 0x70}), -(int64_t{1} << 32), 5);
  expect_error(s33({0x80, 0x80, 0x80, 0x80, 0x10}), "integer too large", 4);  // +2^32
  expect_error(s33({0x80, 0x80, 0x80, 0x80, 0x20}), "integer too large", 4);
  expect_error(s33({0xFF, 0xFF, 0xFF, 0xFF, 0x6F}), "integer too large", 4);
  expect_error(s33({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), "integer representation too long", 4);
}

TEST(ReaderS64, Range) {
  expect_value(s64({0x7F}), int64_t{-1}, 1);
  expect_value(s64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00}), INT64_MAX, 10);
  expect_value(s64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F}), INT64_MIN, 10);
  expect_value(s64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), int64_t{-1}, 10);
  expect_value(s64({0x80, 0x80, 0x80, 0x80, 0x10}), int64_t{1} << 32, 5);
  expect_value(s64({0x80, 0x80, 0x80, 0x80, 0x70}), -(int64_t{1} << 32), 5);
}

TEST(ReaderS64, Errors) {
  expect_error(s64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}),
               "integer too large", 9);
  expect_error(s64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7E}),
               "integer too large", 9);
  expect_error(s64({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x41}),
               "integer too large", 9);
  expect_error(s64({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}),
               "integer representation too long", 9);
  expect_error(s64({0x80, 0x80}), "unexpected end", 2);
}

TEST(ReaderFixed, LittleEndianAndTruncation) {
  expect_value(read(&Reader::fixed32, {0x78, 0x56, 0x34, 0x12}), uint32_t{0x12345678}, 4);
  expect_value(read(&Reader::fixed64, {1, 2, 3, 4, 5, 6, 7, 8}), uint64_t{0x0807060504030201}, 8);
  expect_error(read(&Reader::fixed32, {1, 2, 3}), "unexpected end", 0);
  expect_error(read(&Reader::fixed64, {1, 2, 3, 4, 5, 6, 7}), "unexpected end", 4);
}

TEST(Reader, FirstErrorSticks) {
  std::vector<uint8_t> b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01};
  Reader r(b.data(), b.data() + b.size(), 0, true);
  uint32_t v = 0;
  EXPECT_FALSE(r.u32(v));
  EXPECT_TRUE(r.at_end());
  uint8_t x;
  EXPECT_FALSE(r.u8(x));
  EXPECT_FALSE(r.ok());
  EXPECT_STREQ(r.error(), "integer representation too long");
  EXPECT_EQ(r.error_offset(), 4u);
}

TEST(Reader, SkipAndBytes) {
  std::vector<uint8_t> b = {1, 2, 3};
  Reader r(b.data(), b.data() + b.size(), 10, false);
  const uint8_t* p = nullptr;
  EXPECT_TRUE(r.bytes(2, p));
  EXPECT_EQ(p, b.data());
  EXPECT_EQ(r.offset(), 12u);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_FALSE(r.skip(2));
  EXPECT_STREQ(r.error(), "unexpected end of section or function");
  EXPECT_EQ(r.error_offset(), 12u);
}

TEST(Reader, CountIsCheckedAgainstRemainingBytes) {
  std::vector<uint8_t> b = {0x03, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};
  {
    Reader r(b.data(), b.data() + b.size(), 0, false);
    uint32_t n = 0;
    EXPECT_TRUE(r.count(n, 2));
    EXPECT_EQ(n, 3u);
  }
  {
    Reader r(b.data(), b.data() + b.size(), 0x40, false);
    uint32_t n = 0;
    EXPECT_FALSE(r.count(n, 3));
    EXPECT_STREQ(r.error(), "unexpected end of section or function");
    EXPECT_EQ(r.error_offset(), 0x40u);
  }
  {
    std::vector<uint8_t> huge = {0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    Reader r(huge.data(), huge.data() + huge.size(), 0, true);
    uint32_t n = 0;
    EXPECT_FALSE(r.count(n));
    EXPECT_STREQ(r.error(), "unexpected end");
  }
}

Read<std::string> name(std::vector<uint8_t> b) { return read(&Reader::name, std::move(b), 0x10); }

TEST(ReaderName, Valid) {
  expect_value(name({0x00}), std::string(), 1);
  expect_value(name({0x03, 'a', 'b', 'c', 0xFF}), std::string("abc"), 4);
  expect_value(name({0x02, 0xC3, 0xA9}), std::string("\xC3\xA9"), 3);
}

TEST(ReaderName, Errors) {
  expect_error(name({0x04, 'a', 'b', 'c'}), "length out of bounds", 0x10);
  expect_error(name({0x80}), "unexpected end", 0x11);
  expect_error(name({0x02, 0xC0, 0x80}), "malformed UTF-8 encoding", 0x10);
  expect_error(name({0x01, 0x80}), "malformed UTF-8 encoding", 0x10);
}

TEST(Utf8, Valid) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii \x01\x7F"));
  EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
  EXPECT_TRUE(is_valid_utf8("\xC2\x80"));          // U+0080, smallest two-byte
  EXPECT_TRUE(is_valid_utf8("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(is_valid_utf8("\xE0\xA0\x80"));      // U+0800, smallest three-byte
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));      // euro sign
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));      // U+E000, just above them
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(is_valid_utf8("\xF0\x90\x80\x80"));  // U+10000, smallest four-byte
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // an emoji
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the largest code point
}

TEST(Utf8, Overlong) {
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));
}

TEST(Utf8, Surrogates) {
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(is_valid_utf8("\xED\xAF\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xED\xB0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));  // U+DFFF
}

TEST(Utf8, AboveTheLastCodePoint) {
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF7\xBF\xBF\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // five-byte form
  EXPECT_FALSE(is_valid_utf8("\xFC\x84\x80\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xFE"));
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, TruncatedAndBadContinuation) {
  EXPECT_FALSE(is_valid_utf8("\xC3"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));
  EXPECT_FALSE(is_valid_utf8("a\xF0\x9F"));
  EXPECT_FALSE(is_valid_utf8("\x80"));  // a lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xBF"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));  // continuation missing
  EXPECT_FALSE(is_valid_utf8("\xE2\x28\xA1"));
  EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98\x28"));
  EXPECT_FALSE(is_valid_utf8("\xC3\xA9\xA9"));  // one continuation too many
}

}  // namespace
}  // namespace ws::engine
