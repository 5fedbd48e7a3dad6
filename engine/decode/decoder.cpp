// Module header, section framing and order, and the checks that span sections.
#include "engine/decode/decoder.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/decode/decoder_impl.h"

namespace ws::engine {
namespace detail {

const char* section_name(uint8_t id) {
  static constexpr const char* kNames[] = {"custom", "type",   "import",   "function", "table",
                                           "memory", "global", "export",   "start",    "element",
                                           "code",   "data",   "datacount"};
  return id < std::size(kNames) ? kNames[id] : "unknown";
}

bool Decoder::section(uint8_t id, Reader& r) {
  switch (id) {
    case kCustom:
      return custom_section(r);
    case kType:
      return type_section(r);
    case kImport:
      return import_section(r);
    case kFunction:
      return function_section(r);
    case kTable:
      return table_section(r);
    case kMemory:
      return memory_section(r);
    case kGlobal:
      return global_section(r);
    case kExport:
      return export_section(r);
    case kStart:
      return start_section(r);
    case kElement:
      return element_section(r);
    case kCode:
      return code_section(r);
    case kData:
      return data_section(r);
    case kDataCount:
      return data_count_section(r);
    default:
      return r.fail("malformed section id");
  }
}

namespace {

// Position of each known section in the required order (data count sits before code).
int section_rank(uint8_t id) {
  static constexpr int kRank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return kRank[id];
}

absl::Status error(const char* where, const Reader& r) {
  std::string msg = absl::StrFormat("%s, offset 0x%x: %s", where, r.error_offset(), r.error());
  if (!r.error_detail().empty()) absl::StrAppend(&msg, ": ", r.error_detail());
  return absl::InvalidArgumentError(msg);
}

absl::Status decode_sections(Module& m, const Features& features, BodyCheck bodies) {
  const uint8_t* base = m.bytes.data();
  Reader top(base, base + m.bytes.size(), 0, true);
  if (m.bytes.size() > UINT32_MAX) {
    top.fail_at(0, "module larger than 4 GiB");
    return error("module", top);
  }
  const uint8_t* magic;
  if (!top.bytes(4, magic)) return error("module header", top);
  if (magic[0] != 0 || magic[1] != 'a' || magic[2] != 's' || magic[3] != 'm') {
    top.fail_at(0, "magic header not detected");
    return error("module header", top);
  }
  uint32_t version;
  if (!top.fixed32(version)) return error("module header", top);
  if (version != 1) {
    top.fail_at(4, "unknown binary version");
    return error("module header", top);
  }

  Decoder d(m, features);
  d.defer_bodies = bodies == BodyCheck::kDeferred;
  int last_rank = 0;
  while (!top.at_end()) {
    size_t id_at = top.offset();
    uint8_t id;
    uint32_t size;
    if (!top.u8(id)) return error("module", top);
    if (id > kDataCount) {
      top.fail_at(id_at, "malformed section id");
      return error("module", top);
    }
    std::string where = absl::StrCat(section_name(id), " section");
    if (!top.u32(size)) return error(where.c_str(), top);
    if (size > top.remaining()) {
      top.fail("length out of bounds");
      return error(where.c_str(), top);
    }
    if (id != kCustom) {
      if (section_rank(id) <= last_rank) {
        top.fail_at(id_at, "unexpected content after last section");
        return error(where.c_str(), top);
      }
      last_rank = section_rank(id);
    }
    size_t start = top.offset();
    Reader r(base + start, base + start + size, start, false);
    if (!d.section(id, r)) return error(where.c_str(), r);
    if (!r.at_end()) {
      r.fail("section size mismatch");
      return error(where.c_str(), r);
    }
    top.skip(size);
  }

  // memory.init and data.drop need the data count section, which precedes the code. Without
  // any data segment every data index is unknown anyway: that is left to validation ("unknown
  // data segment"), which is how the spec suite's text modules, encoded by wabt, expect it.
  if (d.first_data_use != 0 && !m.data_count && !m.datas.empty()) {
    top.fail_at(d.first_data_use, "data count section required");
    return error("code section", top);
  }
  uint32_t defined = static_cast<uint32_t>(m.functions.size()) - m.num_imported_funcs;
  if (defined != m.codes.size()) {
    top.fail_at(m.bytes.size(), "function and code section have inconsistent lengths");
    return error("module", top);
  }
  if (m.data_count && *m.data_count != m.datas.size()) {
    top.fail_at(m.bytes.size(), "data count and data section have inconsistent lengths");
    return error("module", top);
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace detail

absl::StatusOr<Module> decode_module(std::vector<uint8_t> bytes, const Features& features,
                                     BodyCheck bodies) {
  return decode_module(ModuleBytes(std::move(bytes)), features, bodies);
}

absl::StatusOr<Module> decode_module(ModuleBytes bytes, const Features& features,
                                     BodyCheck bodies) {
  Module m;
  m.bytes = std::move(bytes);
  m.features = features;
  absl::Status s = detail::decode_sections(m, features, bodies);
  if (!s.ok()) return s;
  return m;
}

absl::StatusOr<Module> decode_module(std::span<const uint8_t> bytes, const Features& features,
                                     BodyCheck bodies) {
  return decode_module(std::vector<uint8_t>(bytes.begin(), bytes.end()), features, bodies);
}

}  // namespace ws::engine
