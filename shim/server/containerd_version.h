// containerd's Version service: which containerd the shim runs under.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace ws::shim {

// Asks containerd at `address` (its gRPC socket, with or without "unix://") for its version
// string ("v1.7.24", "2.1.9+unknown", ...). Initialises gRPC: for paths that need the answer.
absl::StatusOr<std::string> containerd_version(const std::string& address,
                                               std::chrono::milliseconds timeout);

}  // namespace ws::shim
