// The guest's descriptor table: what each guest fd is on the host and what it may do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/wasi/abi.h"
#include "engine/wasi/resolver.h"
#include "engine/wasi/unique_fd.h"
#include "engine/wasi/wasi.h"

namespace ws::engine::wasi {

// A preopened directory, shared by every descriptor opened under it.
struct Preopen {
  UniqueFd fd;             // the host directory (O_RDONLY|O_DIRECTORY)
  std::string guest_path;  // what fd_prestat_dir_name reports
  ResolveMode mode = ResolveMode::kBeneath;
  bool read_only = false;
};

enum class FdKind { kFile, kDirectory, kSocket, kStdio };

struct FdEntry {
  UniqueFd fd;
  FdKind kind = FdKind::kFile;
  uint64_t rights_base = 0;
  uint64_t rights_inheriting = 0;
  // Directories: the preopen they come from. Lookups from a kBeneath directory stay beneath
  // that directory's own descriptor; lookups from a kInRoot directory resolve `rel_path/path`
  // from the preopen, so `..` and absolute symlinks keep the guest's view of `/`.
  std::shared_ptr<const Preopen> preopen;
  std::string rel_path;     // kInRoot directories: the path they were opened by, from the root
  bool is_preopen = false;  // fd_prestat_get describes it
  bool rsync = false;       // FDFLAGS_RSYNC as requested (Linux folds O_RSYNC into O_SYNC)
  bool may_block = false;   // pipes, FIFOs, terminals, sockets: reads and writes can block
};

// Descriptors are numbered like POSIX: a new one takes the lowest free number.
class FdTable {
 public:
  FdEntry* get(uint32_t fd) const { return fd < slots_.size() ? slots_[fd].get() : nullptr; }
  // Returns the guest fd, or Errno::kMfile when the table is full.
  Errno insert(std::unique_ptr<FdEntry> entry, uint32_t& fd);
  void put(uint32_t fd, std::unique_ptr<FdEntry> entry);  // at a given number (setup, renumber)
  std::unique_ptr<FdEntry> take(uint32_t fd);
  // Most descriptors insert() hands out (0: the default bound).
  void set_limit(uint32_t limit);

 private:
  std::vector<std::unique_ptr<FdEntry>> slots_;
  uint32_t limit_ = 0;
};

}  // namespace ws::engine::wasi
