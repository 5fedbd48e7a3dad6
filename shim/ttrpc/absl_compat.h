// Debian's abseil has its own absl::string_view, distinct from std::string_view: convert
// explicitly where std::string_view meets StrCat, StartsWith and friends.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace ws::shim::ttrpc {

inline absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace ws::shim::ttrpc
