// Descriptor I/O: fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell, fd_sync,
// fd_datasync, fd_advise, fd_allocate, fd_close, fd_renumber.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi::host {
namespace {

// A guest u64 as an off_t, or false when it does not fit.
bool to_off(uint64_t v, off_t& out) {
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  out = static_cast<off_t>(v);
  return true;
}

Errno store_size(const Call& c, uint32_t ptr, ssize_t n) {
  if (n < 0) return last_errno();
  return c.mem.store(ptr, static_cast<uint32_t>(n)) ? Errno::kSuccess : Errno::kFault;
}

// writev/pwritev to a pipe or socket whose reader is gone raises SIGPIPE, which would kill the
// host. SIGPIPE is blocked on this thread around the write, and one it caused is consumed.
template <typename F>
ssize_t write_without_sigpipe(F write) {
  sigset_t pipe_set, old_set, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t n = write();
  int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved;
  return n;
}

// What fd_read, fd_pread, fd_write and fd_pwrite share: the descriptor and its rights, the
// iovecs, the offset (positioned calls), the result pointer checked before any I/O, and a wait
// until the descriptor is ready for `events`.
struct IoRequest {
  FdEntry* entry = nullptr;
  std::vector<struct iovec> iov;
  off_t off = 0;
  uint32_t result_ptr = 0;
};

Errno prepare_io(Call& c, uint64_t rights, bool positioned, short events, IoRequest& r) {
  Errno err = lookup_fd(c, c.u32(0), rights, r.entry);
  if (err != Errno::kSuccess) return err;
  err = gather_iovecs(c.mem, c.u32(1), c.u32(2), r.iov);
  if (err != Errno::kSuccess) return err;
  if (positioned && !to_off(c.u64(3), r.off)) return Errno::kInval;
  r.result_ptr = positioned ? c.u32(4) : c.u32(3);
  if (!c.mem.in_bounds(r.result_ptr, sizeof(uint32_t))) return Errno::kFault;
  return wait_ready(c, *r.entry, events);
}

Errno read_common(Call& c, uint64_t rights, bool positioned) {
  IoRequest r;
  Errno err = prepare_io(c, rights, positioned, POLLIN, r);
  if (err != Errno::kSuccess) return err;
  int fd = r.entry->fd.get();
  int n_iov = static_cast<int>(r.iov.size());
  ssize_t n = retry_eintr(c, [&] {
    return positioned ? preadv(fd, r.iov.data(), n_iov, r.off) : readv(fd, r.iov.data(), n_iov);
  });
  return store_size(c, r.result_ptr, n);
}

Errno write_common(Call& c, uint64_t rights, bool positioned) {
  IoRequest r;
  Errno err = prepare_io(c, rights, positioned, POLLOUT, r);
  if (err != Errno::kSuccess) return err;
  int fd = r.entry->fd.get();
  int n_iov = static_cast<int>(r.iov.size());
  auto once = [&] {
    return positioned ? pwritev(fd, r.iov.data(), n_iov, r.off) : writev(fd, r.iov.data(), n_iov);
  };
  ssize_t n =
      retry_eintr(c, [&] { return r.entry->may_block ? write_without_sigpipe(once) : once(); });
  return store_size(c, r.result_ptr, n);
}

Errno seek_to(const Call& c, FdEntry* e, int64_t offset, int whence, uint32_t result_ptr) {
  if (!c.mem.in_bounds(result_ptr, sizeof(uint64_t))) return Errno::kFault;
  off_t pos = lseek(e->fd.get(), offset, whence);
  if (pos < 0) return last_errno();
  c.mem.store(result_ptr, static_cast<uint64_t>(pos));
  return Errno::kSuccess;
}

}  // namespace

Errno fd_read(Call& c) { return read_common(c, rights::kFdRead, false); }
Errno fd_pread(Call& c) { return read_common(c, rights::kFdRead | rights::kFdSeek, true); }
Errno fd_write(Call& c) { return write_common(c, rights::kFdWrite, false); }
Errno fd_pwrite(Call& c) { return write_common(c, rights::kFdWrite | rights::kFdSeek, true); }

Errno fd_seek(Call& c) {
  auto offset = static_cast<int64_t>(c.u64(1));
  uint32_t w = c.u32(2);
  int whence = w == whence::kSet ? SEEK_SET : w == whence::kCur ? SEEK_CUR : SEEK_END;
  if (w > whence::kEnd) return Errno::kInval;
  // Asking for the current position needs only FD_TELL.
  uint64_t needed = (offset == 0 && w == whence::kCur) ? rights::kFdTell : rights::kFdSeek;
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), needed, e);
  if (err != Errno::kSuccess) return err;
  return seek_to(c, e, offset, whence, c.u32(3));
}

Errno fd_tell(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdTell, e);
  if (err != Errno::kSuccess) return err;
  return seek_to(c, e, 0, SEEK_CUR, c.u32(1));
}

Errno fd_sync(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdSync, e);
  if (err != Errno::kSuccess) return err;
  return fsync(e->fd.get()) == 0 ? Errno::kSuccess : last_errno();
}

Errno fd_datasync(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdDatasync, e);
  if (err != Errno::kSuccess) return err;
  return fdatasync(e->fd.get()) == 0 ? Errno::kSuccess : last_errno();
}

Errno fd_advise(Call& c) {
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdAdvise, e);
  if (err != Errno::kSuccess) return err;
  off_t off, len;
  uint32_t advice = c.u32(3);
  if (!to_off(c.u64(1), off) || !to_off(c.u64(2), len) || advice > 5) return Errno::kInval;
  return errno_from_host(posix_fadvise(e->fd.get(), off, len, kAdvice[advice]));
}

Errno fd_allocate(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdAllocate, e);
  if (err != Errno::kSuccess) return err;
  off_t off, len;
  if (!to_off(c.u64(1), off) || !to_off(c.u64(2), len)) return Errno::kInval;
  if (len == 0) return Errno::kInval;
  return errno_from_host(posix_fallocate(e->fd.get(), off, len));
}

Errno fd_close(Call& c) { return c.env.fds.take(c.u32(0)) ? Errno::kSuccess : Errno::kBadf; }

// Both descriptors must be open; `to` is closed and replaced by `from`.
Errno fd_renumber(Call& c) {
  uint32_t from = c.u32(0), to = c.u32(1);
  if (c.env.fds.get(from) == nullptr || c.env.fds.get(to) == nullptr) return Errno::kBadf;
  if (from != to) c.env.fds.put(to, c.env.fds.take(from));
  return Errno::kSuccess;
}

}  // namespace ws::engine::wasi::host
