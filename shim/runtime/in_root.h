// Path resolution inside a container's root directory that can never leave it: `..` stops at the
// root and absolute symlinks resolve inside it (openat2 RESOLVE_IN_ROOT), as chroot would.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

// Opens `path` (absolute or relative, both taken from the root) below the directory `root_fd`.
absl::StatusOr<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags);

// Resolves `path` in the root, creating missing directories (mode 0755) on the way and the last
// component as an empty file when `file` (else a directory). Returns an O_PATH descriptor.
absl::StatusOr<UniqueFd> make_in_root(int root_fd, const std::string& path, bool file);

// Reopens the O_PATH descriptor `path_fd` for reading (O_RDONLY|O_NOCTTY|O_NONBLOCK) through
// /proc/self/fd, after fstat shows a regular file: a device or FIFO is never opened.
// FAILED_PRECONDITION when it is not a regular file; `path` only names it in errors.
absl::StatusOr<UniqueFd> reopen_regular(const UniqueFd& path_fd, const std::string& path);

// Reads the whole regular file `path` resolved in the root.
absl::StatusOr<std::vector<uint8_t>> read_in_root(int root_fd, const std::string& path);

// The first (up to 8) bytes of the regular file `path` resolved in the root: NOT_FOUND when it
// does not exist, FAILED_PRECONDITION when it is not a regular file (oci::ProbeFn's contract).
absl::StatusOr<std::string> probe_in_root(int root_fd, const std::string& path);

// "/proc/self/fd/N", the name mount(2) and friends accept for a resolved descriptor.
std::string fd_path(int fd);

}  // namespace ws::shim
