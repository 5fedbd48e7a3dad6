// Host errno -> WASI errno, built once from errno_map.def.
#include "engine/wasi/errno_map.h"

#include <array>
#include <cerrno>

namespace ws::engine::wasi {
namespace {

constexpr int kTableSize = 256;  // above every Linux errno (EHWPOISON = 133)

constexpr std::array<Errno, kTableSize> build_table() {
  std::array<Errno, kTableSize> t{};
  for (Errno& e : t) e = Errno::kIo;
#define WASI_ERRNO(host, wasi) t[host] = Errno::wasi;
#include "engine/wasi/errno_map.def"
#undef WASI_ERRNO
  return t;
}

constexpr std::array<Errno, kTableSize> kTable = build_table();

}  // namespace

Errno errno_from_host(int host_errno) {
  if (host_errno < 0 || host_errno >= kTableSize) return Errno::kIo;
  return kTable[host_errno];
}

Errno last_errno() { return errno_from_host(errno); }

}  // namespace ws::engine::wasi
