// SHA-256 through OpenSSL, as lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace ws::support {

std::string sha256_hex(std::string_view data);

}  // namespace ws::support
