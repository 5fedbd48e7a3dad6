// Wasm artifact layer -> the module file in the container's rootfs.
#include "shim/runtime/wasm_artifact.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>

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

// Writes a temporary file next to `path` (resolved in the root) and renames it into place, so the
// entry path never holds a half-written module; the temporary is unlinked on any failure.
// `fill` writes the contents to the descriptor it is given (and checks them).
absl::Status write_module(int root_fd, const std::string& path,
                          const std::function<absl::Status(int)>& fill) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a file name"));
  }
  absl::StatusOr<UniqueFd> parent = dir.empty() ? open_in_root(root_fd, "/", O_PATH | O_DIRECTORY)
                                                : make_in_root(root_fd, dir, /*file=*/false);
  if (!parent.ok()) return parent.status();
  std::string tmp = absl::StrCat(".", name, ".wasmshim-", ::getpid());
  UniqueFd fd(::openat(parent->get(), tmp.c_str(),
                       O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return errno_status(errno, absl::StrCat("create a temporary file in ", dir));
  absl::Status s = fill(fd.get());
  if (s.ok() && ::fchmod(fd.get(), 0755) != 0)
    s = errno_status(errno, absl::StrCat("chmod ", path));
  if (s.ok() && ::fsync(fd.get()) != 0) s = errno_status(errno, absl::StrCat("fsync ", path));
  if (s.ok() && ::renameat(parent->get(), tmp.c_str(), parent->get(), name.c_str()) != 0) {
    s = errno_status(errno, absl::StrCat("rename into ", path));
  }
  if (!s.ok()) ::unlinkat(parent->get(), tmp.c_str(), 0);
  return s;
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
  if (layer->size < 0 || layer->size > kMaxModule) {
    return absl::InvalidArgumentError(absl::StrCat("Wasm artifact ", *image, ": layer ",
                                                   layer->digest, " has size ", layer->size,
                                                   ", over the limit of ", kMaxModule, " bytes"));
  }
  // Streamed into the temporary file and hashed on the way; renamed into place only once the
  // size and digest match.
  bool mismatch = false;
  absl::Status read_error;  // from the content store, not from writing the file
  auto fill = [&](int fd) -> absl::Status {
    support::Sha256 hash;
    int64_t size = 0;
    bool write_failed = false;
    absl::Status s = images.stream_blob(layer->digest, layer->size, [&](absl::string_view chunk) {
      hash.update(std::string_view(chunk.data(), chunk.size()));
      size += static_cast<int64_t>(chunk.size());
      absl::Status w = write_all(fd, chunk, candidates.front());
      write_failed = !w.ok();
      return w;
    });
    if (!s.ok() && !write_failed) read_error = s;
    if (!s.ok()) return s;
    if (size != layer->size || absl::StrCat("sha256:", hash.hex()) != layer->digest) {
      mismatch = true;
      return absl::InvalidArgumentError("does not match its digest");
    }
    return absl::OkStatus();
  };
  if (absl::Status s = write_module(root.get(), candidates.front(), fill); !s.ok()) {
    if (!read_error.ok()) return artifact_error(read_error, *image);
    if (mismatch) {
      return absl::InvalidArgumentError(absl::StrCat("Wasm artifact ", *image, ": layer ",
                                                     layer->digest, " does not match its digest"));
    }
    // A path the image's own layout makes unusable (a dangling link, a file where a directory
    // should be) is the config's problem; host faults keep their code.
    absl::StatusCode code = s.code();
    if (code == absl::StatusCode::kNotFound || code == absl::StatusCode::kFailedPrecondition ||
        code == absl::StatusCode::kAlreadyExists) {
      code = absl::StatusCode::kInvalidArgument;
    }
    return absl::Status(
        code, absl::StrCat("Wasm artifact ", *image, ": write the module to ", candidates.front(),
                           " (process.args[0] \"", spec.process->args[0], "\"): ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace ws::shim
