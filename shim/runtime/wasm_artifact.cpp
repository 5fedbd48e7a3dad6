// Wasm artifact layer -> the module file in the container's rootfs.
#include "shim/runtime/wasm_artifact.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "oci/wasi_plan.h"
#include "shim/runtime/fd.h"
#include "shim/runtime/in_root.h"
#include "support/sha256.h"

namespace ws::shim {
namespace {

constexpr int64_t kMaxDocument = 4 << 20;         // a manifest or an index
constexpr int64_t kMaxModule = int64_t{1} << 31;  // 2 GiB

absl::Status artifact_error(const absl::Status& s, const std::string& image) {
  return absl::Status(
      s.code() == absl::StatusCode::kNotFound ? absl::StatusCode::kInvalidArgument : s.code(),
      absl::StrCat("Wasm artifact ", image, ": ", s.message()));
}

// The Wasm layer of `image`, NOT_FOUND when it is an ordinary image.
absl::StatusOr<oci::Descriptor> find_layer(ImageContent& images, const std::string& image) {
  absl::StatusOr<oci::Descriptor> target = images.image_target(image);
  if (!target.ok()) return target.status();
  absl::StatusOr<std::string> doc = images.read_blob(target->digest, kMaxDocument);
  if (!doc.ok()) return doc.status();
  if (oci::is_index(target->media_type)) {
    absl::StatusOr<oci::Descriptor> m = oci::pick_wasm_manifest(*doc);
    if (!m.ok()) return m.status();
    doc = images.read_blob(m->digest, kMaxDocument);
    if (!doc.ok()) return doc.status();
  }
  return oci::wasm_layer(*doc);
}

absl::Status write_module(int root_fd, const std::string& path, const std::string& bytes) {
  absl::StatusOr<UniqueFd> made = make_in_root(root_fd, path, /*file=*/true);
  if (!made.ok()) return made.status();
  absl::StatusOr<UniqueFd> fd = open_in_root(root_fd, path, O_WRONLY | O_TRUNC | O_NOFOLLOW);
  if (!fd.ok()) return fd.status();
  if (absl::Status s = write_all(fd->get(), bytes, path); !s.ok()) return s;
  if (::fchmod(fd->get(), 0755) != 0) return errno_status(errno, absl::StrCat("chmod ", path));
  return absl::OkStatus();
}

}  // namespace

absl::Status materialise_wasm_artifact(ImageContent& images, const std::string& id,
                                       const oci::Spec& spec, const std::string& rootfs) {
  if (!spec.process || spec.process->args.empty()) return absl::OkStatus();
  absl::StatusOr<oci::Entrypoint> entry = oci::parse_entrypoint(spec.process->args[0]);
  if (!entry.ok()) return absl::OkStatus();  // Create reports it
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return errno_status(errno, absl::StrCat("open the rootfs ", rootfs));
  std::vector<std::string> candidates = oci::entry_candidates(entry->path, *spec.process);
  for (const std::string& c : candidates) {
    if (probe_in_root(root.get(), c).status().code() != absl::StatusCode::kNotFound) {
      return absl::OkStatus();  // the rootfs has it (or something there Create reports)
    }
  }
  absl::StatusOr<std::string> image = images.container_image(id);
  if (!image.ok() || image->empty()) return absl::OkStatus();
  absl::StatusOr<oci::Descriptor> layer = find_layer(images, *image);
  if (!layer.ok()) {
    if (layer.status().code() == absl::StatusCode::kNotFound) return absl::OkStatus();
    return artifact_error(layer.status(), *image);
  }
  absl::StatusOr<std::string> bytes = images.read_blob(layer->digest, kMaxModule);
  if (!bytes.ok()) return artifact_error(bytes.status(), *image);
  if (absl::StrCat("sha256:", support::sha256_hex(*bytes)) != layer->digest ||
      static_cast<int64_t>(bytes->size()) != layer->size) {
    return absl::InvalidArgumentError(absl::StrCat("Wasm artifact ", *image, ": layer ",
                                                   layer->digest, " does not match its digest"));
  }
  if (absl::Status s = write_module(root.get(), candidates.front(), *bytes); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("Wasm artifact ", *image, ": write the module to ",
                                               candidates.front(), ": ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace ws::shim
