// The path sandbox: resolves guest paths inside a directory the guest was granted.
//
// Two interchangeable backends: openat2(2) with RESOLVE_BENEATH or RESOLVE_IN_ROOT plus
// RESOLVE_NO_MAGICLINKS (Linux 5.6+), and a component-by-component walk that never lets the
// kernel follow a symlink (O_PATH|O_NOFOLLOW per component, readlinkat, a 40-link budget) for
// kernels without it. Both keep every lookup inside the root, whatever `..`, absolute symlinks,
// symlink chains, magic links or concurrent renames do.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "engine/wasi/abi.h"
#include "engine/wasi/unique_fd.h"
#include "engine/wasi/wasi.h"

namespace ws::engine::wasi {

enum class ResolveBackend { kAuto, kOpenat2, kWalk };

// Chooses the backend for the whole process. kAuto (the default) probes openat2 once and uses
// the walk when the kernel refuses it (ENOSYS, EINVAL, EPERM). Tests force kWalk.
void set_resolve_backend(ResolveBackend backend);
// The backend lookups use now (never kAuto).
ResolveBackend resolve_backend();

// Where lookups start and what they may not leave. kBeneath: an absolute path, or `..` or a
// symlink leading above `fd`, is ENOTCAPABLE. kInRoot: `fd` is `/` (absolute paths and
// absolute symlinks start there, `..` stops there).
struct Root {
  int fd = -1;
  ResolveMode mode = ResolveMode::kBeneath;
};

// Opens `path` under `root` with open(2) `flags` (O_CLOEXEC and, for non-O_PATH opens,
// O_NOCTTY are added) and `mode` for O_CREAT. `follow` says whether a symlink as the last
// component is followed (a trailing slash always follows); when it is not, such a symlink
// fails with ELOOP unless `flags` has O_PATH, which opens the link itself.
Errno open_beneath(const Root& root, std::string_view path, int flags, mode_t mode, bool follow,
                   UniqueFd& out);

// The directory holding the last component of `path` (an O_PATH descriptor reached safely)
// and that component's name, never "..", never containing '/'; "." when the path names a
// directory through "." or ".." or is "/" in kInRoot mode. `trailing_slash` records "name/".
struct ParentRef {
  UniqueFd dir;
  std::string name;
  bool trailing_slash = false;
};
Errno open_parent(const Root& root, std::string_view path, ParentRef& out);

}  // namespace ws::engine::wasi
