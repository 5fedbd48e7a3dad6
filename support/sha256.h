// SHA-256 through OpenSSL (raw digest or lowercase hex).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ws::support {

std::string sha256_hex(std::string_view data);
// The raw 32-byte digest.
std::array<uint8_t, 32> sha256(std::string_view data);

// Incremental SHA-256: update() with each chunk, then hex() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex();

 private:
  void* ctx_;  // SHA256_CTX
};

}  // namespace ws::support
