// Operations on the last component of a path: path_create_directory, path_remove_directory,
// path_unlink_file, path_rename, path_link, path_symlink, path_readlink, path_filestat_get,
// path_filestat_set_times. The parent directory is reached by the resolver; the *at() call
// then acts on one plain name, never following a symlink unless the guest asked for it (and
// then through a descriptor the resolver opened).
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi::host {
namespace {

// A parent directory and name for `path_ptr`/`path_len` under guest directory `fd`.
Errno parent_of(const Call& c, uint32_t fd, uint64_t needed, uint32_t path_ptr, uint32_t path_len,
                ParentRef& out) {
  DirPath dp;
  Errno err = lookup_path(c, fd, needed, path_ptr, path_len, dp);
  if (err != Errno::kSuccess) return err;
  err = open_parent(dp.root, dp.path, out);
  if (err != Errno::kSuccess) return err;
  // "name/" must be a directory when it exists; the kernel would follow a symlink instead.
  struct stat st;
  if (out.trailing_slash &&
      fstatat(out.dir.get(), out.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      !S_ISDIR(st.st_mode)) {
    return Errno::kNotdir;
  }
  return Errno::kSuccess;
}

// The object `path` names, symlinks followed, as an O_PATH descriptor.
Errno follow_path(const Call& c, uint32_t fd, uint64_t needed, uint32_t path_ptr, uint32_t path_len,
                  UniqueFd& out) {
  DirPath dp;
  Errno err = lookup_path(c, fd, needed, path_ptr, path_len, dp);
  if (err != Errno::kSuccess) return err;
  return open_beneath(dp.root, dp.path, O_PATH, 0, true, out);
}

Errno result(int r) { return r == 0 ? Errno::kSuccess : last_errno(); }

std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace

Errno path_create_directory(Call& c) {
  ParentRef p;
  Errno err = parent_of(c, c.u32(0), rights::kPathCreateDirectory, c.u32(1), c.u32(2), p);
  if (err != Errno::kSuccess) return err;
  return result(mkdirat(p.dir.get(), p.name.c_str(), 0777));
}

Errno path_remove_directory(Call& c) {
  ParentRef p;
  Errno err = parent_of(c, c.u32(0), rights::kPathRemoveDirectory, c.u32(1), c.u32(2), p);
  if (err != Errno::kSuccess) return err;
  return result(unlinkat(p.dir.get(), p.name.c_str(), AT_REMOVEDIR));
}

Errno path_unlink_file(Call& c) {
  ParentRef p;
  Errno err = parent_of(c, c.u32(0), rights::kPathUnlinkFile, c.u32(1), c.u32(2), p);
  if (err != Errno::kSuccess) return err;
  struct stat st;  // parent_of let "name/" through: a directory or nothing at all
  if (p.trailing_slash) {
    return fstatat(p.dir.get(), p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? Errno::kIsdir
                                                                               : last_errno();
  }
  return result(unlinkat(p.dir.get(), p.name.c_str(), 0));
}

Errno path_rename(Call& c) {
  ParentRef from, to;
  Errno err = parent_of(c, c.u32(0), rights::kPathRenameSource, c.u32(1), c.u32(2), from);
  if (err == Errno::kSuccess) {
    err = parent_of(c, c.u32(3), rights::kPathRenameTarget, c.u32(4), c.u32(5), to);
  }
  if (err != Errno::kSuccess) return err;
  struct stat st;
  if (to.trailing_slash &&
      fstatat(from.dir.get(), from.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      !S_ISDIR(st.st_mode)) {
    return Errno::kNotdir;
  }
  return result(renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()));
}

// With LOOKUP_SYMLINK_FOLLOW the source is resolved by the sandbox and linked through its
// /proc/self/fd entry (linkat's AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH).
Errno path_link(Call& c) {
  bool follow = (c.u32(1) & lookupflags::kSymlinkFollow) != 0;
  ParentRef to;
  Errno err = parent_of(c, c.u32(4), rights::kPathLinkTarget, c.u32(5), c.u32(6), to);
  if (err != Errno::kSuccess) return err;
  if (to.trailing_slash) return Errno::kNotdir;
  if (follow) {
    UniqueFd src;
    err = follow_path(c, c.u32(0), rights::kPathLinkSource, c.u32(2), c.u32(3), src);
    if (err != Errno::kSuccess) return err;
    return result(linkat(AT_FDCWD, proc_fd_path(src.get()).c_str(), to.dir.get(), to.name.c_str(),
                         AT_SYMLINK_FOLLOW));
  }
  ParentRef from;
  err = parent_of(c, c.u32(0), rights::kPathLinkSource, c.u32(2), c.u32(3), from);
  if (err != Errno::kSuccess) return err;
  return result(linkat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str(), 0));
}

// The link text is stored as given; following it later goes through the sandbox again. Under
// a kBeneath preopen an absolute target is refused (ENOTCAPABLE): it could only ever point
// outside the grant, for the guest and for whoever follows it on the host.
Errno path_symlink(Call& c) {
  std::string_view target;
  if (!c.mem.string(c.u32(0), c.u32(1), target)) return Errno::kFault;
  if (target.empty()) return Errno::kNoent;
  if (target.find('\0') != std::string_view::npos) return Errno::kInval;
  ParentRef p;
  Errno err = parent_of(c, c.u32(2), rights::kPathSymlink, c.u32(3), c.u32(4), p);
  if (err != Errno::kSuccess) return err;
  FdEntry* dir = c.env.fds.get(c.u32(2));
  if (dir->preopen->mode == ResolveMode::kBeneath && target.front() == '/') {
    return Errno::kNotcapable;
  }
  if (p.trailing_slash) return Errno::kNotdir;
  return result(symlinkat(std::string(target).c_str(), p.dir.get(), p.name.c_str()));
}

// A link longer than the buffer is cut to fit, as readlink(2) does.
Errno path_readlink(Call& c) {
  uint8_t* buf = c.mem.bytes(c.u32(3), c.u32(4));
  if (buf == nullptr || !c.mem.in_bounds(c.u32(5), sizeof(uint32_t))) return Errno::kFault;
  ParentRef p;
  Errno err = parent_of(c, c.u32(0), rights::kPathReadlink, c.u32(1), c.u32(2), p);
  if (err != Errno::kSuccess) return err;
  char text[PATH_MAX];
  ssize_t n = readlinkat(p.dir.get(), p.name.c_str(), text, sizeof(text));
  if (n < 0) return last_errno();
  auto used = static_cast<uint32_t>(std::min<size_t>(static_cast<size_t>(n), c.u32(4)));
  std::copy_n(text, used, buf);
  c.mem.store(c.u32(5), used);
  return Errno::kSuccess;
}

Errno path_filestat_get(Call& c) {
  if (!c.mem.in_bounds(c.u32(4), sizeof(Filestat))) return Errno::kFault;
  struct stat st;
  if ((c.u32(1) & lookupflags::kSymlinkFollow) != 0) {
    UniqueFd fd;
    Errno err = follow_path(c, c.u32(0), rights::kPathFilestatGet, c.u32(2), c.u32(3), fd);
    if (err != Errno::kSuccess) return err;
    if (fstat(fd.get(), &st) != 0) return last_errno();
  } else {
    ParentRef p;
    Errno err = parent_of(c, c.u32(0), rights::kPathFilestatGet, c.u32(2), c.u32(3), p);
    if (err != Errno::kSuccess) return err;
    if (fstatat(p.dir.get(), p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return last_errno();
  }
  c.mem.store(c.u32(4), filestat_from(st));
  return Errno::kSuccess;
}

Errno path_filestat_set_times(Call& c) {
  struct timespec ts[2];
  Errno err = make_times(c.u64(4), c.u64(5), c.u32(6), ts);
  if (err != Errno::kSuccess) return err;
  if ((c.u32(1) & lookupflags::kSymlinkFollow) != 0) {
    UniqueFd fd;
    err = follow_path(c, c.u32(0), rights::kPathFilestatSetTimes, c.u32(2), c.u32(3), fd);
    if (err != Errno::kSuccess) return err;
    if (utimensat(fd.get(), "", ts, AT_EMPTY_PATH) == 0) return Errno::kSuccess;
    if (errno != EINVAL && errno != EBADF) return last_errno();
    return result(utimensat(AT_FDCWD, proc_fd_path(fd.get()).c_str(), ts, 0));  // older kernels
  }
  ParentRef p;
  err = parent_of(c, c.u32(0), rights::kPathFilestatSetTimes, c.u32(2), c.u32(3), p);
  if (err != Errno::kSuccess) return err;
  return result(utimensat(p.dir.get(), p.name.c_str(), ts, AT_SYMLINK_NOFOLLOW));
}

}  // namespace ws::engine::wasi::host
