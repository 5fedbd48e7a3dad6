// Helpers shared by the host functions: descriptor and rights checks, iovecs, blocking waits.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>

#include "engine/runtime/store.h"
#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi {
namespace {

constexpr uint32_t kMaxFds = 1u << 16;
constexpr int kWaitSliceMs = 50;  // how late a blocked call may notice Store::interrupt

}  // namespace

Errno FdTable::insert(std::unique_ptr<FdEntry> entry, uint32_t& fd) {
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) {
      slots_[i] = std::move(entry);
      fd = i;
      return Errno::kSuccess;
    }
  }
  if (slots_.size() >= (limit_ != 0 ? limit_ : kMaxFds)) return Errno::kMfile;
  fd = static_cast<uint32_t>(slots_.size());
  slots_.push_back(std::move(entry));
  return Errno::kSuccess;
}

void FdTable::set_limit(uint32_t limit) { limit_ = limit < kMaxFds ? limit : kMaxFds; }

void FdTable::put(uint32_t fd, std::unique_ptr<FdEntry> entry) {
  if (fd >= slots_.size()) slots_.resize(fd + 1);
  slots_[fd] = std::move(entry);
}

std::unique_ptr<FdEntry> FdTable::take(uint32_t fd) {
  if (fd >= slots_.size()) return nullptr;
  std::unique_ptr<FdEntry> e = std::move(slots_[fd]);
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return e;
}

bool Call::interrupted() const {
  return __atomic_load_n(&caller.store().vm()->interrupt, __ATOMIC_RELAXED) != 0;
}

Errno lookup_fd(const Call& c, uint32_t fd, uint64_t needed, FdEntry*& out) {
  out = c.env.fds.get(fd);
  if (out == nullptr) return Errno::kBadf;
  if ((out->rights_base & needed) != needed) return Errno::kNotcapable;
  return Errno::kSuccess;
}

Errno lookup_path(const Call& c, uint32_t fd, uint64_t needed, uint32_t path_ptr, uint32_t path_len,
                  DirPath& out) {
  std::string_view guest;
  if (!c.mem.string(path_ptr, path_len, guest)) return Errno::kFault;
  Errno e = lookup_fd(c, fd, needed, out.entry);
  if (e != Errno::kSuccess) return e;
  const FdEntry& d = *out.entry;
  if (d.kind != FdKind::kDirectory || !d.preopen) return Errno::kNotdir;
  if (d.preopen->mode == ResolveMode::kBeneath) {
    out.root = {d.fd.get(), ResolveMode::kBeneath};
    out.path = std::string(guest);
    return Errno::kSuccess;
  }
  out.root = {d.preopen->fd.get(), ResolveMode::kInRoot};
  if (d.rel_path.empty() || (!guest.empty() && guest.front() == '/')) {
    out.path = std::string(guest);
  } else if (guest.empty()) {
    return Errno::kNoent;
  } else {
    out.path = d.rel_path + "/" + std::string(guest);
  }
  return out.path.size() >= PATH_MAX ? Errno::kNametoolong : Errno::kSuccess;
}

Errno gather_iovecs(const GuestMemory& mem, uint32_t iovs, uint32_t count,
                    std::vector<struct iovec>& out) {
  if (count > IOV_MAX) return Errno::kInval;
  if (!mem.in_bounds(iovs, uint64_t{count} * sizeof(Iovec))) return Errno::kFault;
  out.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    Iovec v;
    mem.load(iovs + uint64_t{i} * sizeof(Iovec), v);
    uint8_t* p = mem.bytes(v.buf, v.buf_len);
    if (p == nullptr) return Errno::kFault;
    out[i] = {p, v.buf_len};
  }
  return Errno::kSuccess;
}

Errno wait_ready(const Call& c, const FdEntry& e, short events) {
  if (!e.may_block) return Errno::kSuccess;
  int fl = fcntl(e.fd.get(), F_GETFL);
  if (fl >= 0 && (fl & O_NONBLOCK) != 0) return Errno::kSuccess;
  pollfd p{e.fd.get(), events, 0};
  while (true) {
    if (c.interrupted()) return Errno::kIntr;
    int n = poll(&p, 1, kWaitSliceMs);
    if (n > 0) return Errno::kSuccess;  // ready, hung up or in error: the I/O call will tell
    if (n < 0 && errno != EINTR) return last_errno();
  }
}

Filetype filetype_from_mode(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return Filetype::kRegularFile;
    case S_IFDIR:
      return Filetype::kDirectory;
    case S_IFLNK:
      return Filetype::kSymbolicLink;
    case S_IFCHR:
      return Filetype::kCharacterDevice;
    case S_IFBLK:
      return Filetype::kBlockDevice;
    case S_IFSOCK:
      return Filetype::kSocketStream;
    default:
      return Filetype::kUnknown;  // FIFOs have no WASI type
  }
}

uint64_t timespec_ns(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Filestat filestat_from(const struct stat& st) {
  Filestat f{};
  f.dev = st.st_dev;
  f.ino = st.st_ino;
  f.filetype = static_cast<uint8_t>(filetype_from_mode(st.st_mode));
  f.nlink = st.st_nlink;
  f.size = static_cast<uint64_t>(st.st_size);
  f.atim = timespec_ns(st.st_atim);
  f.mtim = timespec_ns(st.st_mtim);
  f.ctim = timespec_ns(st.st_ctim);
  return f;
}

}  // namespace ws::engine::wasi
