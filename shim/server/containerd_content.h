// The shim as a client of containerd's own gRPC API on the address containerd gave it:
// ImageContent (containers, images and content services, in the shim's namespace) and its version.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "shim/task/image_content.h"

namespace ws::shim {

// `address`: containerd's gRPC socket ("/run/containerd/containerd.sock" or unix://...). The
// connection (and gRPC itself) is set up on first use; each call has a 10 s deadline.
std::shared_ptr<ImageContent> containerd_image_content(const std::string& address,
                                                       const std::string& ns);

// containerd's version string ("v1.7.24", "2.1.9+unknown", ...) from its Version service at
// `address`. Initialises gRPC (its threads): for paths that need the answer.
absl::StatusOr<std::string> containerd_version(const std::string& address,
                                               std::chrono::milliseconds timeout);

}  // namespace ws::shim
