// Path resolution inside a granted directory: openat2 when the kernel has it, else a safe walk.
#include "engine/wasi/resolver.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <deque>
#include <vector>

#include "engine/wasi/errno_map.h"

namespace ws::engine::wasi {
namespace {

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS
constexpr int kOpenat2Retries = 64;

std::atomic<ResolveBackend> g_backend{ResolveBackend::kAuto};
std::atomic<bool> g_openat2_lost{false};

long sys_openat2(int dirfd, const char* path, open_how* how) {
  return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

ResolveBackend probe_backend() {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = sys_openat2(AT_FDCWD, ".", &how);
  if (fd >= 0) {
    ::close(static_cast<int>(fd));
    return ResolveBackend::kOpenat2;
  }
  // ENOSYS: an older kernel; EINVAL or E2BIG: unknown flags or struct; EPERM: seccomp. Any
  // other error (an unreadable working directory) still proves the call works.
  bool refused = errno == ENOSYS || errno == EINVAL || errno == E2BIG || errno == EPERM;
  return refused ? ResolveBackend::kWalk : ResolveBackend::kOpenat2;
}

// Checks what both backends require of a guest path.
Errno check_path(const Root& root, std::string_view path) {
  if (path.empty()) return Errno::kNoent;
  if (path.find('\0') != std::string_view::npos) return Errno::kInval;
  if (path.size() >= PATH_MAX) return Errno::kNametoolong;
  if (path.front() == '/' && root.mode == ResolveMode::kBeneath) return Errno::kNotcapable;
  return Errno::kSuccess;
}

int host_flags(int flags, bool follow) {
  flags |= O_CLOEXEC;
  if (!follow) flags |= O_NOFOLLOW;
  if ((flags & O_PATH) == 0) flags |= O_NOCTTY;
  return flags;
}

Errno openat2_open(const Root& root, const std::string& path, int flags, mode_t mode, bool follow,
                   UniqueFd& out) {
  open_how how{};
  how.flags = static_cast<uint64_t>(host_flags(flags, follow));
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_NO_MAGICLINKS |
                (root.mode == ResolveMode::kBeneath ? RESOLVE_BENEATH : RESOLVE_IN_ROOT);
  for (int attempt = 0; attempt < kOpenat2Retries; ++attempt) {
    long fd = sys_openat2(root.fd, path.c_str(), &how);
    if (fd >= 0) {
      out.reset(static_cast<int>(fd));
      return Errno::kSuccess;
    }
    // EAGAIN: a rename or mount raced with a constrained lookup; the kernel asks to retry.
    if (errno != EAGAIN && errno != EINTR) break;
  }
  if (errno == EXDEV) return Errno::kNotcapable;  // the lookup tried to leave the root
  return last_errno();
}

// The component-by-component walk. Only O_PATH|O_NOFOLLOW opens of single names happen below
// the root, so the kernel never follows a symlink; symlinks are read and their text is
// resolved by the walk itself under the same rules. Directories reached are kept open on a
// stack, so `..` returns to the descriptor it came from even if a directory is moved away.
class Walker {
 public:
  explicit Walker(const Root& root) : root_(root) {}

  Errno open(std::string_view path, int flags, mode_t mode, bool follow, UniqueFd& out) {
    Errno e = push_path(path);
    if (e != Errno::kSuccess) return e;
    while (true) {
      if (pending_.empty()) return open_final(".", flags | O_NOFOLLOW, mode, out);
      std::string name = std::move(pending_.front());
      pending_.pop_front();
      if (name == ".") continue;
      if (name == "..") {
        e = dot_dot();
      } else if (!pending_.empty()) {
        e = enter(name);
      } else {
        bool done = false;
        e = last(name, flags, mode, follow, out, done);
        if (done) return e;
      }
      if (e != Errno::kSuccess) return e;
    }
  }

 private:
  int cur() const { return stack_.empty() ? root_.fd : stack_.back().get(); }

  // Queues the components of `path` before those still pending. An absolute path restarts at
  // the root (kInRoot) or is refused (kBeneath).
  Errno push_path(std::string_view path) {
    if (!path.empty() && path.front() == '/') {
      if (root_.mode == ResolveMode::kBeneath) return Errno::kNotcapable;
      stack_.clear();
    }
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string_view::npos) j = path.size();
      if (j > i) parts.emplace_back(path.substr(i, j - i));
      i = j + 1;
    }
    // "dir/" must name a directory and follows a symlink: the same as "dir/.".
    if (!path.empty() && path.back() == '/' && !parts.empty()) parts.emplace_back(".");
    pending_.insert(pending_.begin(), parts.begin(), parts.end());
    return Errno::kSuccess;
  }

  Errno dot_dot() {
    if (stack_.empty()) {
      return root_.mode == ResolveMode::kBeneath ? Errno::kNotcapable : Errno::kSuccess;
    }
    stack_.pop_back();
    return Errno::kSuccess;
  }

  Errno follow_link(int dirfd, const std::string& name) {
    if (++links_ > kMaxSymlinks) return Errno::kLoop;
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dirfd, name.c_str(), buf, sizeof(buf));
    if (n < 0) return last_errno();
    if (n == 0) return Errno::kNoent;
    if (static_cast<size_t>(n) >= sizeof(buf)) return Errno::kNametoolong;
    return push_path(std::string_view(buf, static_cast<size_t>(n)));
  }

  // A directory (or a symlink to one) in the middle of the path.
  Errno enter(const std::string& name) {
    UniqueFd fd(openat(cur(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return last_errno();
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return last_errno();
    if (S_ISLNK(st.st_mode)) return follow_link(fd.get(), "");
    if (!S_ISDIR(st.st_mode)) return Errno::kNotdir;
    stack_.push_back(std::move(fd));
    return Errno::kSuccess;
  }

  Errno open_final(const std::string& name, int flags, mode_t mode, UniqueFd& out) {
    int fd = openat(cur(), name.c_str(), host_flags(flags, false), mode);
    if (fd < 0) return last_errno();
    out.reset(fd);
    return Errno::kSuccess;
  }

  // The last component; sets `done` unless it was a symlink to follow.
  Errno last(const std::string& name, int flags, mode_t mode, bool follow, UniqueFd& out,
             bool& done) {
    Errno e = open_final(name, flags, mode, out);
    bool exclusive = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL);
    if (e == Errno::kSuccess) {
      struct stat st;
      if ((flags & O_PATH) == 0 || !follow || fstat(out.get(), &st) != 0 || !S_ISLNK(st.st_mode)) {
        done = true;
        return e;
      }
      out.reset();  // O_PATH opened the link itself, but it is to be followed
    } else if (e == Errno::kLoop || e == Errno::kNotdir || e == Errno::kExist) {
      struct stat st;
      if (exclusive || fstatat(cur(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISLNK(st.st_mode)) {
        done = true;
        return e;
      }
      if (!follow) {
        done = true;
        return Errno::kLoop;
      }
    } else {
      done = true;
      return e;
    }
    return follow_link(cur(), name);
  }

  const Root& root_;
  std::vector<UniqueFd> stack_;
  std::deque<std::string> pending_;
  int links_ = 0;
};

}  // namespace

void set_resolve_backend(ResolveBackend backend) { g_backend.store(backend); }

ResolveBackend resolve_backend() {
  ResolveBackend b = g_backend.load();
  if (b != ResolveBackend::kAuto) return b;
  static const ResolveBackend probed = probe_backend();
  return probed;
}

Errno open_beneath(const Root& root, std::string_view path, int flags, mode_t mode, bool follow,
                   UniqueFd& out) {
  Errno e = check_path(root, path);
  if (e != Errno::kSuccess) return e;
  if (resolve_backend() == ResolveBackend::kOpenat2 && !g_openat2_lost.load()) {
    e = openat2_open(root, std::string(path), flags, mode, follow, out);
    // A seccomp filter installed after the probe (a container's profile) may refuse openat2
    // with ENOSYS: from then on this process walks.
    if (e != Errno::kNosys) return e;
    g_openat2_lost.store(true);
  }
  return Walker(root).open(path, flags, mode, follow, out);
}

Errno open_parent(const Root& root, std::string_view path, ParentRef& out) {
  Errno e = check_path(root, path);
  if (e != Errno::kSuccess) return e;
  out.trailing_slash = false;
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
    out.trailing_slash = true;
  }
  size_t slash = path.rfind('/');
  std::string_view dir = slash == std::string_view::npos ? "." : path.substr(0, slash + 1);
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {  // "/", "x/." or "x/..": a directory
    dir = path;
    name = ".";
  }
  out.name = std::string(name);
  return open_beneath(root, dir, O_PATH | O_DIRECTORY, 0, true, out.dir);
}

}  // namespace ws::engine::wasi
