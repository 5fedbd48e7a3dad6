// The `name` custom section: module, function and local names. Being a custom section, a
// malformed subsection is ignored from that point on rather than failing the module.
#include "engine/decode/decoder_impl.h"

namespace ws::engine::detail {
namespace {

bool name_map(Reader& r, std::map<uint32_t, std::string>& out) {
  uint32_t n;
  if (!r.count(n, 2)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t idx;
    std::string name;
    if (!r.u32(idx) || !r.name(name)) return false;
    out[idx] = std::move(name);
  }
  return true;
}

}  // namespace

void decode_name_section(Module& m, ByteSpan content) {
  const uint8_t* base = m.bytes.data();
  Reader r(base + content.offset, base + content.offset + content.size, content.offset, false);
  while (!r.at_end()) {
    uint8_t id;
    uint32_t size;
    if (!r.u8(id) || !r.u32(size) || size > r.remaining()) return;
    size_t start = r.offset();
    Reader sub(r.pos(), r.pos() + size, start, false);
    switch (id) {
      case 0:
        sub.name(m.names.module_name);
        break;
      case 1:
        name_map(sub, m.names.functions);
        break;
      case 2: {
        uint32_t n;
        if (!sub.count(n, 2)) break;
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t func;
          if (!sub.u32(func) || !name_map(sub, m.names.locals[func])) break;
        }
        break;
      }
      default:
        break;  // other subsections (labels, types, ...) are kept only as raw bytes
    }
    r.skip(size);
  }
}

}  // namespace ws::engine::detail
