// Whole-file reading and writing with errors that name the path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::support {

absl::StatusOr<std::vector<uint8_t>> read_file(const std::string& path);
absl::StatusOr<std::string> read_text_file(const std::string& path);

}  // namespace ws::support
