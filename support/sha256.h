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

}  // namespace ws::support
