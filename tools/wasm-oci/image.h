// Building a Wasm container image in memory: the rootfs layer, the image config, the manifest
// and the archive around them (OCI image layout, Docker archive, or a Wasm artifact).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/wasm-oci/tar.h"

namespace ws::tools {

enum class ImageFormat {
  kOci,       // OCI image layout tarball (`ctr images import`, skopeo oci-archive)
  kDocker,    // the same plus Docker's manifest.json (`docker load` and `ctr images import`)
  kArtifact,  // OCI layout whose single layer is the module itself (media type application/wasm)
};

struct ImageInput {
  std::string module_file;  // the .wasm on the host
  std::string module_path;  // where it goes in the image ("/app.wasm"); default "/<basename>"
  struct Add {
    std::string source;  // host file or directory
    std::string dest;    // absolute path in the image
  };
  std::vector<Add> adds;
  std::vector<std::string> entrypoint;  // default {module_path}
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // KEY=VALUE
  std::map<std::string, std::string> labels;
  std::string workdir;
  std::string os = "wasi";
  std::string arch = "wasm";
  std::string ref;   // image name with tag ("docker.io/library/app:1"); default from the module
  bool gzip = true;  // compress the layer (always off for kDocker and kArtifact)
};

// The layer's entries: the module and every added file, directory and symlink, with their
// parent directories, sorted by path. INVALID_ARGUMENT naming the option for a missing module
// or source, a file that is not WebAssembly (by its magic bytes), a destination that is not
// absolute or contains "..", special files, or two sources for one path.
absl::StatusOr<std::vector<TarEntry>> rootfs_entries(const ImageInput& in);

struct BuiltImage {
  std::string archive;          // the tarball to write
  std::string ref;              // the image name it carries
  std::string manifest_digest;  // "sha256:..."
};

// The whole archive. Same inputs (file contents, modes, options) give the same bytes.
absl::StatusOr<BuiltImage> build_image(const ImageInput& in, ImageFormat format);

// "app.wasm" -> "docker.io/library/app:latest"; "name:1" -> "docker.io/library/name:1";
// "example.com/a/b:2" unchanged. INVALID_ARGUMENT for an empty or malformed reference.
absl::StatusOr<std::string> normalize_ref(const std::string& ref);

}  // namespace ws::tools
