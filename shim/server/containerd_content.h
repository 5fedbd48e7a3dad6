// ImageContent over containerd's own gRPC API (containers, images and content services) on the
// address containerd gave the shim, in the shim's namespace.
#pragma once

#include <memory>
#include <string>

#include "shim/task/image_content.h"

namespace ws::shim {

// `address`: containerd's gRPC socket ("/run/containerd/containerd.sock" or unix://...). The
// connection (and gRPC itself) is set up on first use; each call has a 10 s deadline.
std::shared_ptr<ImageContent> containerd_image_content(const std::string& address,
                                                       const std::string& ns);

}  // namespace ws::shim
