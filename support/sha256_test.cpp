// SHA-256 against the FIPS 180-2 test vectors.
#include "support/sha256.h"

#include "gtest/gtest.h"

namespace ws::support {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalMatchesOneShot) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  Sha256 h;
  for (size_t at = 0; at < data.size(); at += 4093)
    h.update(std::string_view(data).substr(at, 4093));
  EXPECT_EQ(h.hex(), sha256_hex(data));
  Sha256 empty;
  EXPECT_EQ(empty.hex(), sha256_hex(""));
}

}  // namespace
}  // namespace ws::support
