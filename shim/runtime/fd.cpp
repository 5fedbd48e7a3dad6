// errno -> absl::Status and a write loop.
#include "shim/runtime/fd.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ws::shim {

absl::Status errno_status(int err, absl::string_view what) {
  std::string msg = absl::StrCat(what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    case EINVAL:
      return absl::InvalidArgumentError(msg);
    case ENOTDIR:
    case EISDIR:
    case ELOOP:
      return absl::FailedPreconditionError(msg);  // the filesystem is not shaped as asked
    default:
      return absl::InternalError(msg);
  }
}

absl::Status write_all(int fd, absl::string_view data, absl::string_view what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, what);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace ws::shim
