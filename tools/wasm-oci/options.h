// wasm-oci's command line: options -> ImageInput, format and output file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/wasm-oci/image.h"

namespace ws::tools {

struct PackOptions {
  ImageInput input;
  ImageFormat format = ImageFormat::kOci;
  std::string output;  // the tarball to write
  bool help = false;
};

extern const char kWasmOciUsage[];

// INVALID_ARGUMENT naming the option for anything malformed (unknown option, missing value,
// KEY=VALUE without '=', a platform that is not OS/ARCH, no module or no -o).
absl::StatusOr<PackOptions> parse_pack_options(const std::vector<std::string>& args);

}  // namespace ws::tools
