// SHA-256 through OpenSSL, as lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace ws::support {

std::string sha256_hex(std::string_view data);

// Incremental SHA-256 (EVP): update() with each chunk, then hex() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string hex();

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace ws::support
