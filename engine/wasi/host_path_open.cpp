// path_open: the one way a guest gets a new descriptor for a file or directory.
#include <fcntl.h>
#include <sys/stat.h>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi::host {
namespace {

constexpr uint64_t kReadRights = rights::kFdRead | rights::kFdReaddir;
constexpr uint64_t kWriteRights =
    rights::kFdWrite | rights::kFdDatasync | rights::kFdAllocate | rights::kFdFilestatSetSize;

int open_flags(uint32_t oflags, uint32_t fdfl, bool read, bool write) {
  int flags = read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (oflags & oflags::kCreat) flags |= O_CREAT;
  if (oflags & oflags::kExcl) flags |= O_EXCL;
  if (oflags & oflags::kTrunc) flags |= O_TRUNC;
  if (oflags & oflags::kDirectory) flags |= O_DIRECTORY;
  if (fdfl & fdflags::kAppend) flags |= O_APPEND;
  if (fdfl & fdflags::kNonblock) flags |= O_NONBLOCK;
  if (fdfl & fdflags::kDsync) flags |= O_DSYNC;
  if (fdfl & fdflags::kSync) flags |= O_SYNC;
  if (fdfl & fdflags::kRsync) flags |= O_RSYNC;
  return flags;
}

// A read-only preopen refuses anything that could write. wasi-libc masks the rights it asks
// for with the directory's inheriting rights, so its O_WRONLY arrives asking for neither read
// nor write: that is refused too, rather than opening a descriptor that cannot write.
bool writes(uint32_t oflags, uint32_t fdfl, uint64_t base) {
  if (oflags & (oflags::kCreat | oflags::kTrunc)) return true;
  if (fdfl & fdflags::kAppend) return true;
  return (base & kWriteRights) != 0 || (base & kReadRights) == 0;
}

}  // namespace

Errno path_open(Call& c) {
  uint32_t dirflags = c.u32(1), oflags = c.u32(4), fdfl = c.u32(7), result_ptr = c.u32(8);
  uint64_t base = c.u64(5), inheriting = c.u64(6);
  if ((oflags & ~uint32_t{oflags::kAll}) != 0 || (fdfl & ~uint32_t{fdflags::kAll}) != 0) {
    return Errno::kInval;
  }
  uint64_t needed = rights::kPathOpen;
  if (oflags & oflags::kCreat) needed |= rights::kPathCreateFile;
  if (oflags & oflags::kTrunc) needed |= rights::kPathFilestatSetSize;
  DirPath dp;
  Errno err = lookup_path(c, c.u32(0), needed, c.u32(2), c.u32(3), dp);
  if (err != Errno::kSuccess) return err;
  if (!c.mem.in_bounds(result_ptr, sizeof(uint32_t))) return Errno::kFault;
  if (((base | inheriting) & ~dp.entry->rights_inheriting) != 0) return Errno::kNotcapable;
  if (dp.entry->preopen->read_only && writes(oflags, fdfl, base)) return Errno::kNotcapable;

  int flags = open_flags(oflags, fdfl, base & kReadRights, base & kWriteRights);
  bool follow = (dirflags & lookupflags::kSymlinkFollow) != 0;
  auto e = std::make_unique<FdEntry>();
  // Opened non-blocking so a FIFO without a peer cannot hang the host thread (where
  // Store::interrupt could not reach it); blocking mode is restored afterwards if asked for.
  err = open_beneath(dp.root, dp.path, flags | O_NONBLOCK, 0666, follow, e->fd);
  if (err != Errno::kSuccess) return err;
  if ((flags & O_NONBLOCK) == 0) {
    int fl = fcntl(e->fd.get(), F_GETFL);
    if (fl < 0 || fcntl(e->fd.get(), F_SETFL, fl & ~O_NONBLOCK) != 0) return last_errno();
  }
  struct stat st;
  if (fstat(e->fd.get(), &st) != 0) return last_errno();
  if (S_ISDIR(st.st_mode)) {
    e->kind = FdKind::kDirectory;
    e->preopen = dp.entry->preopen;
    if (dp.root.mode == ResolveMode::kInRoot) e->rel_path = dp.path;
  }
  e->may_block = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode);
  e->rights_base = base;
  e->rights_inheriting = inheriting;
  e->rsync = (fdfl & fdflags::kRsync) != 0;
  uint32_t fd;
  err = c.env.fds.insert(std::move(e), fd);
  if (err != Errno::kSuccess) return err;
  c.mem.store(result_ptr, fd);
  return Errno::kSuccess;
}

}  // namespace ws::engine::wasi::host
