// clock_res_get, clock_time_get and random_get.
#include <sys/random.h>
#include <time.h>

#include <cerrno>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi {

// The host clock behind a WASI clock id, or -1 for an unknown id.
clockid_t host_clock(uint32_t id) {
  switch (id) {
    case clockid::kRealtime:
      return CLOCK_REALTIME;
    case clockid::kMonotonic:
      return CLOCK_MONOTONIC;
    case clockid::kProcessCputime:
      return CLOCK_PROCESS_CPUTIME_ID;
    case clockid::kThreadCputime:
      return CLOCK_THREAD_CPUTIME_ID;
    default:
      return -1;
  }
}

namespace host {

Errno clock_res_get(Call& c) {
  clockid_t id = host_clock(c.u32(0));
  if (id == -1) return Errno::kInval;
  struct timespec ts;
  if (clock_getres(id, &ts) != 0) return last_errno();
  return c.mem.store(c.u32(1), timespec_ns(ts)) ? Errno::kSuccess : Errno::kFault;
}

// The precision argument (c.u64(1)) is a hint; the host clock's own resolution is used.
Errno clock_time_get(Call& c) {
  clockid_t id = host_clock(c.u32(0));
  if (id == -1) return Errno::kInval;
  struct timespec ts;
  if (clock_gettime(id, &ts) != 0) return last_errno();
  return c.mem.store(c.u32(2), timespec_ns(ts)) ? Errno::kSuccess : Errno::kFault;
}

Errno random_get(Call& c) {
  uint8_t* p = c.mem.bytes(c.u32(0), c.u32(1));
  if (p == nullptr) return Errno::kFault;
  size_t left = c.u32(1);
  while (left > 0) {
    ssize_t n = getrandom(p, left, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_errno();
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Errno::kSuccess;
}

}  // namespace host
}  // namespace ws::engine::wasi
