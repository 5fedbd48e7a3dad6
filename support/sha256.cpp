// SHA-256 through OpenSSL's low-level SHA256_* functions: they run libcrypto's assembly (SHA-NI,
// AVX2) directly, without the provider machinery the EVP interface initialises on first use
// (loading openssl.cnf and building the method store costs milliseconds, and a warm start
// hashes one module and nothing else). Deprecated in OpenSSL 3.0, still supported there.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "support/sha256.h"

#include <openssl/sha.h>

namespace ws::support {
namespace {

std::string to_hex(const std::array<uint8_t, 32>& digest) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
  return out;
}

}  // namespace

std::array<uint8_t, 32> sha256(std::string_view data) {
  std::array<uint8_t, 32> out{};
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out.data(), &ctx);
  return out;
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

Sha256::Sha256() : ctx_(new SHA256_CTX) { SHA256_Init(static_cast<SHA256_CTX*>(ctx_)); }

Sha256::~Sha256() { delete static_cast<SHA256_CTX*>(ctx_); }

void Sha256::update(std::string_view data) {
  SHA256_Update(static_cast<SHA256_CTX*>(ctx_), data.data(), data.size());
}

std::string Sha256::hex() {
  std::array<uint8_t, 32> out{};
  SHA256_Final(out.data(), static_cast<SHA256_CTX*>(ctx_));
  return to_hex(out);
}

}  // namespace ws::support
