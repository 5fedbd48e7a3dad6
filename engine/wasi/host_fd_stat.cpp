// Descriptor metadata: fd_fdstat_get, fd_fdstat_set_flags, fd_fdstat_set_rights,
// fd_filestat_get, fd_filestat_set_size, fd_filestat_set_times, fd_prestat_get,
// fd_prestat_dir_name, fd_readdir.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi {

Errno make_times(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec out[2]) {
  if ((flags & ~15u) != 0) return Errno::kInval;
  if ((flags & fstflags::kAtim) && (flags & fstflags::kAtimNow)) return Errno::kInval;
  if ((flags & fstflags::kMtim) && (flags & fstflags::kMtimNow)) return Errno::kInval;
  auto one = [](uint64_t ns, bool set, bool now, struct timespec& ts) {
    ts.tv_sec = static_cast<time_t>(ns / 1000000000ull);
    ts.tv_nsec = static_cast<long>(ns % 1000000000ull);
    if (now) ts.tv_nsec = UTIME_NOW;
    if (!set && !now) ts.tv_nsec = UTIME_OMIT;
  };
  one(atim, flags & fstflags::kAtim, flags & fstflags::kAtimNow, out[0]);
  one(mtim, flags & fstflags::kMtim, flags & fstflags::kMtimNow, out[1]);
  return Errno::kSuccess;
}

namespace {

// fstat with sockets told apart by type (filetype_from_mode calls every socket a stream).
Errno stat_fd(int fd, Filestat& out) {
  struct stat st;
  if (fstat(fd, &st) != 0) return last_errno();
  out = filestat_from(st);
  if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t len = sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM) {
      out.filetype = static_cast<uint8_t>(Filetype::kSocketDgram);
    }
  }
  return Errno::kSuccess;
}

uint16_t fdflags_of(const FdEntry& e) {
  int fl = fcntl(e.fd.get(), F_GETFL);
  if (fl < 0) return 0;
  uint16_t f = 0;
  if (fl & O_APPEND) f |= fdflags::kAppend;
  if (fl & O_NONBLOCK) f |= fdflags::kNonblock;
  if ((fl & O_SYNC) == O_SYNC) {
    f |= fdflags::kSync;
  } else if (fl & O_DSYNC) {
    f |= fdflags::kDsync;
  }
  if (e.rsync) f |= fdflags::kRsync;
  return f;
}

Filetype dirent_type(int dirfd, const struct dirent64& d) {
  switch (d.d_type) {
    case DT_REG:
      return Filetype::kRegularFile;
    case DT_DIR:
      return Filetype::kDirectory;
    case DT_LNK:
      return Filetype::kSymbolicLink;
    case DT_CHR:
      return Filetype::kCharacterDevice;
    case DT_BLK:
      return Filetype::kBlockDevice;
    case DT_SOCK:
      return Filetype::kSocketStream;
    case DT_UNKNOWN: {
      struct stat st;
      if (fstatat(dirfd, d.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return Filetype::kUnknown;
      return filetype_from_mode(st.st_mode);
    }
    default:
      return Filetype::kUnknown;
  }
}

// Appends as much of `bytes` as fits; false once the buffer is full.
bool append(uint8_t* buf, uint32_t cap, uint32_t& used, const void* bytes, size_t n) {
  size_t k = std::min<size_t>(n, cap - used);
  std::memcpy(buf + used, bytes, k);
  used += static_cast<uint32_t>(k);
  return used < cap;
}

}  // namespace

namespace host {

Errno fd_fdstat_get(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), 0, e);
  if (err != Errno::kSuccess) return err;
  Filestat st;
  err = stat_fd(e->fd.get(), st);
  if (err != Errno::kSuccess) return err;
  Fdstat f{};
  f.fs_filetype = st.filetype;
  f.fs_flags = fdflags_of(*e);
  f.fs_rights_base = e->rights_base;
  f.fs_rights_inheriting = e->rights_inheriting;
  return c.mem.store(c.u32(1), f) ? Errno::kSuccess : Errno::kFault;
}

// Only APPEND and NONBLOCK can change on Linux; asking to change a sync flag is ENOTSUP.
Errno fd_fdstat_set_flags(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdFdstatSetFlags, e);
  if (err != Errno::kSuccess) return err;
  uint32_t want = c.u32(1);
  if ((want & ~uint32_t{fdflags::kAll}) != 0) return Errno::kInval;
  constexpr uint32_t kSyncFlags = fdflags::kDsync | fdflags::kRsync | fdflags::kSync;
  if ((want & kSyncFlags) != (fdflags_of(*e) & kSyncFlags)) return Errno::kNotsup;
  int fl = fcntl(e->fd.get(), F_GETFL);
  if (fl < 0) return last_errno();
  fl &= ~(O_APPEND | O_NONBLOCK);
  if (want & fdflags::kAppend) fl |= O_APPEND;
  if (want & fdflags::kNonblock) fl |= O_NONBLOCK;
  return fcntl(e->fd.get(), F_SETFL, fl) == 0 ? Errno::kSuccess : last_errno();
}

Errno fd_fdstat_set_rights(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), 0, e);
  if (err != Errno::kSuccess) return err;
  uint64_t base = c.u64(1), inheriting = c.u64(2);
  if ((base & ~e->rights_base) != 0 || (inheriting & ~e->rights_inheriting) != 0) {
    return Errno::kNotcapable;  // rights only ever narrow
  }
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  return Errno::kSuccess;
}

Errno fd_filestat_get(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdFilestatGet, e);
  if (err != Errno::kSuccess) return err;
  Filestat st;
  err = stat_fd(e->fd.get(), st);
  if (err != Errno::kSuccess) return err;
  return c.mem.store(c.u32(1), st) ? Errno::kSuccess : Errno::kFault;
}

Errno fd_filestat_set_size(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdFilestatSetSize, e);
  if (err != Errno::kSuccess) return err;
  if (c.u64(1) > static_cast<uint64_t>(INT64_MAX)) return Errno::kInval;
  int r = retry_eintr(c, [&] { return ftruncate(e->fd.get(), static_cast<off_t>(c.u64(1))); });
  return r == 0 ? Errno::kSuccess : last_errno();
}

Errno fd_filestat_set_times(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdFilestatSetTimes, e);
  if (err != Errno::kSuccess) return err;
  struct timespec ts[2];
  err = make_times(c.u64(1), c.u64(2), c.u32(3), ts);
  if (err != Errno::kSuccess) return err;
  return futimens(e->fd.get(), ts) == 0 ? Errno::kSuccess : last_errno();
}

// Only preopened directories have a prestat; EBADF for every other descriptor is what makes
// wasi-libc stop scanning for preopens.
Errno fd_prestat_get(Call& c) {
  FdEntry* e = c.env.fds.get(c.u32(0));
  if (e == nullptr || !e->is_preopen) return Errno::kBadf;
  Prestat p{};
  p.tag = kPreopentypeDir;
  p.pr_name_len = static_cast<uint32_t>(e->preopen->guest_path.size());
  return c.mem.store(c.u32(1), p) ? Errno::kSuccess : Errno::kFault;
}

Errno fd_prestat_dir_name(Call& c) {
  FdEntry* e = c.env.fds.get(c.u32(0));
  if (e == nullptr || !e->is_preopen) return Errno::kBadf;
  const std::string& name = e->preopen->guest_path;
  if (c.u32(2) < name.size()) return Errno::kNametoolong;
  return c.mem.write(c.u32(1), name) ? Errno::kSuccess : Errno::kFault;
}

// Entries are a dirent header followed by the name; the last one is cut off where the buffer
// ends, and a full buffer (bufused == buf_len) tells the guest there may be more. Cookies are
// the kernel's directory offsets (d_off), so a cookie resumes with lseek.
Errno fd_readdir(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdReaddir, e);
  if (err != Errno::kSuccess) return err;
  if (e->kind != FdKind::kDirectory) return Errno::kNotdir;
  uint32_t cap = c.u32(2);
  uint8_t* buf = c.mem.bytes(c.u32(1), cap);
  if (buf == nullptr || !c.mem.in_bounds(c.u32(4), sizeof(uint32_t))) return Errno::kFault;
  int fd = e->fd.get();
  if (c.u64(3) > static_cast<uint64_t>(INT64_MAX)) return Errno::kInval;
  if (lseek(fd, static_cast<off_t>(c.u64(3)), SEEK_SET) < 0) return last_errno();
  alignas(struct dirent64) char kbuf[16384];
  uint32_t used = 0;
  bool room = cap > 0;
  while (room) {
    ssize_t n = getdents64(fd, kbuf, sizeof(kbuf));
    if (n < 0) return last_errno();
    if (n == 0) break;
    for (ssize_t at = 0; at < n && room;) {
      auto* d = reinterpret_cast<struct dirent64*>(kbuf + at);
      at += d->d_reclen;
      Dirent de{};
      de.d_next = static_cast<uint64_t>(d->d_off);
      de.d_ino = d->d_ino;
      de.d_namlen = static_cast<uint32_t>(strlen(d->d_name));
      de.d_type = static_cast<uint8_t>(dirent_type(fd, *d));
      room =
          append(buf, cap, used, &de, sizeof(de)) && append(buf, cap, used, d->d_name, de.d_namlen);
    }
  }
  c.mem.store(c.u32(4), used);
  return Errno::kSuccess;
}

}  // namespace host
}  // namespace ws::engine::wasi
