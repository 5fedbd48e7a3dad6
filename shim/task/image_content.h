// Where the shim reads images from when a container's rootfs does not hold its module: the
// image's manifest and blobs in containerd's metadata and content store (OCI Wasm artifacts).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oci/wasm_artifact.h"

namespace ws::shim {

class ImageContent {
 public:
  virtual ~ImageContent() = default;
  // The image name container `id` was created from; "" when it has none.
  virtual absl::StatusOr<std::string> container_image(const std::string& id) = 0;
  // The descriptor the image name points at (a manifest or an index).
  virtual absl::StatusOr<oci::Descriptor> image_target(const std::string& image) = 0;
  // The whole blob; FAILED_PRECONDITION when it is larger than `max_bytes`.
  virtual absl::StatusOr<std::string> read_blob(const std::string& digest, int64_t max_bytes) = 0;
  // The blob in order, chunk by chunk, to `sink` (its error stops the read and is returned);
  // FAILED_PRECONDITION once more than `max_bytes` arrive. By default one chunk from read_blob.
  virtual absl::Status stream_blob(const std::string& digest, int64_t max_bytes,
                                   const std::function<absl::Status(absl::string_view)>& sink) {
    absl::StatusOr<std::string> all = read_blob(digest, max_bytes);
    if (!all.ok()) return all.status();
    return sink(*all);
  }
};

}  // namespace ws::shim
