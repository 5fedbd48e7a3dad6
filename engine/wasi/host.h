// What the host functions share: the guest's environment, one call's view of it, helpers that
// check descriptors, rights and guest memory, and the handlers generated from functions.def.
#pragma once

#include <sys/uio.h>

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/runtime/func.h"
#include "engine/runtime/value.h"
#include "engine/wasi/abi.h"
#include "engine/wasi/fd_table.h"
#include "engine/wasi/guest_memory.h"

namespace ws::engine::wasi {

// Everything one guest was granted.
struct Env {
  std::vector<std::string> args;
  std::vector<std::string> env;
  FdTable fds;
};

// One host call: the arguments as the Wasm signature in functions.def gives them.
struct Call {
  Env& env;
  Caller& caller;
  GuestMemory mem;
  std::span<const abi::RawValue> args;

  uint32_t u32(size_t i) const { return static_cast<uint32_t>(raw_as_i32(args[i])); }
  uint64_t u64(size_t i) const { return static_cast<uint64_t>(raw_as_i64(args[i])); }
  // Store::interrupt was called: blocking calls give up with EINTR so compiled code can stop.
  bool interrupted() const;
};

// The entry for guest `fd` holding every right in `needed`: EBADF when there is none,
// ENOTCAPABLE when a right is missing.
Errno lookup_fd(const Call& c, uint32_t fd, uint64_t needed, FdEntry*& out);

// A guest path under directory `fd` (which must hold `needed`): reads the path from guest
// memory and gives the Root and host-side path the resolver takes. ENOTDIR for a non-directory.
struct DirPath {
  FdEntry* entry = nullptr;
  Root root;
  std::string path;
};
Errno lookup_path(const Call& c, uint32_t fd, uint64_t needed, uint32_t path_ptr, uint32_t path_len,
                  DirPath& out);

// Reads `count` guest iovecs at `iovs`, checking each buffer against guest memory.
Errno gather_iovecs(const GuestMemory& mem, uint32_t iovs, uint32_t count,
                    std::vector<struct iovec>& out);

// For descriptors that may block: waits until `fd` is ready for `events` (poll(2) bits) in
// short slices, so a Store::interrupt is noticed (EINTR). Returns at once for other kinds.
Errno wait_ready(const Call& c, const FdEntry& e, short events);

// Retries a host call that failed with EINTR unless the store was interrupted.
template <typename F>
auto retry_eintr(const Call& c, F f) {
  while (true) {
    auto r = f();
    if (r >= 0 || errno != EINTR || c.interrupted()) return r;
  }
}

// WASI views of host facts.
Filetype filetype_from_mode(unsigned mode);
Filestat filestat_from(const struct stat& st);
uint64_t timespec_ns(const struct timespec& ts);
// fst_flags and times -> utimensat's pair (UTIME_NOW / UTIME_OMIT); EINVAL for bad flags.
Errno make_times(uint64_t atim, uint64_t mtim, uint32_t flags, struct timespec out[2]);

// One handler per WASI function; the result is the guest's errno (ignored for proc_exit).
namespace host {
#define WASI_FUNCTION(name, params, results) Errno name(Call& c);
#include "engine/wasi/functions.def"
#undef WASI_FUNCTION
}  // namespace host

}  // namespace ws::engine::wasi
