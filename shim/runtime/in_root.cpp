// openat2(RESOLVE_IN_ROOT) helpers: open, create mount points and read files inside a root.
#include "shim/runtime/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ws::shim {
namespace {

int openat2_in_root(int root_fd, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path.empty() ? "." : path;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return fd;
}

}  // namespace

std::string fd_path(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

absl::StatusOr<UniqueFd> reopen_regular(const UniqueFd& path_fd, const std::string& path) {
  struct stat st;
  if (::fstat(path_fd.get(), &st) != 0) return errno_status(errno, path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a regular file"));
  }
  // The same inode through the magic link: no new path resolution, and the type is checked.
  int fd;
  do {
    fd = ::open(fd_path(path_fd.get()).c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status(errno, absl::StrCat(path, ": reopen"));
  return UniqueFd(fd);
}

absl::StatusOr<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags) {
  int fd = openat2_in_root(root_fd, path, flags);
  if (fd < 0) return errno_status(errno, path);
  return UniqueFd(fd);
}

absl::StatusOr<UniqueFd> make_in_root(int root_fd, const std::string& path, bool file) {
  std::vector<std::string> parts = absl::StrSplit(path, '/', absl::SkipEmpty());
  UniqueFd current(openat2_in_root(root_fd, ".", O_PATH | O_DIRECTORY));
  if (!current.valid()) return errno_status(errno, "open the root directory");
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    prefix = absl::StrCat(prefix, "/", parts[i]);
    bool last = i + 1 == parts.size();
    int flags = O_PATH | (last && file ? 0 : O_DIRECTORY);
    int fd = openat2_in_root(root_fd, prefix, flags);
    if (fd < 0 && errno == ENOENT) {
      int made;
      if (last && file) {
        made = ::openat(current.get(), parts[i].c_str(),
                        O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (made >= 0) ::close(made);
      } else {
        made = ::mkdirat(current.get(), parts[i].c_str(), 0755);
      }
      if (made < 0 && errno != EEXIST) return errno_status(errno, absl::StrCat("create ", prefix));
      fd = openat2_in_root(root_fd, prefix, flags);
    }
    if (fd < 0) return errno_status(errno, prefix);
    current.reset(fd);
  }
  return current;
}

absl::StatusOr<std::vector<uint8_t>> read_in_root(int root_fd, const std::string& path) {
  absl::StatusOr<UniqueFd> path_fd = open_in_root(root_fd, path, O_PATH);
  if (!path_fd.ok()) return path_fd.status();
  absl::StatusOr<UniqueFd> fd = reopen_regular(*path_fd, path);
  if (!fd.ok()) {
    if (fd.status().code() == absl::StatusCode::kFailedPrecondition) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a file"));
    }
    return fd.status();
  }
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return errno_status(errno, path);
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd->get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status(errno, path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

absl::StatusOr<std::string> probe_in_root(int root_fd, const std::string& path) {
  absl::StatusOr<UniqueFd> path_fd = open_in_root(root_fd, path, O_PATH);
  if (!path_fd.ok()) {
    if (path_fd.status().code() == absl::StatusCode::kNotFound) return path_fd.status();
    if (errno == ENOTDIR) return absl::NotFoundError(absl::StrCat(path, ": not found"));
    return path_fd.status();
  }
  absl::StatusOr<UniqueFd> fd = reopen_regular(*path_fd, path);
  if (!fd.ok()) return fd.status();
  char head[8];
  ssize_t n;
  do {
    n = ::pread(fd->get(), head, sizeof(head), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno_status(errno, path);
  return std::string(head, static_cast<size_t>(n));
}

}  // namespace ws::shim
