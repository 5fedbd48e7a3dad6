// args_get, args_sizes_get, environ_get, environ_sizes_get.
#include "engine/wasi/host.h"

namespace ws::engine::wasi::host {
namespace {

uint64_t buffer_size(const std::vector<std::string>& list) {
  uint64_t n = 0;
  for (const std::string& s : list) n += s.size() + 1;
  return n;
}

// Writes one pointer per string at `ptrs` and the NUL-terminated strings at `buf`.
Errno write_list(const Call& c, const std::vector<std::string>& list, uint32_t ptrs, uint32_t buf) {
  if (!c.mem.in_bounds(ptrs, uint64_t{4} * list.size()) ||
      !c.mem.in_bounds(buf, buffer_size(list))) {
    return Errno::kFault;
  }
  uint64_t at = buf;
  for (size_t i = 0; i < list.size(); ++i) {
    c.mem.store(ptrs + 4 * i, static_cast<uint32_t>(at));
    c.mem.write(at, std::string_view(list[i].c_str(), list[i].size() + 1));
    at += list[i].size() + 1;
  }
  return Errno::kSuccess;
}

Errno write_sizes(const Call& c, const std::vector<std::string>& list, uint32_t count_ptr,
                  uint32_t size_ptr) {
  uint64_t size = buffer_size(list);
  if (size > UINT32_MAX) return Errno::kOverflow;
  if (!c.mem.store(count_ptr, static_cast<uint32_t>(list.size())) ||
      !c.mem.store(size_ptr, static_cast<uint32_t>(size))) {
    return Errno::kFault;
  }
  return Errno::kSuccess;
}

}  // namespace

Errno args_get(Call& c) { return write_list(c, c.env.args, c.u32(0), c.u32(1)); }
Errno args_sizes_get(Call& c) { return write_sizes(c, c.env.args, c.u32(0), c.u32(1)); }
Errno environ_get(Call& c) { return write_list(c, c.env.env, c.u32(0), c.u32(1)); }
Errno environ_sizes_get(Call& c) { return write_sizes(c, c.env.env, c.u32(0), c.u32(1)); }

}  // namespace ws::engine::wasi::host
