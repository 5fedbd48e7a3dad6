// Decoders of the non-code sections: types, imports, declarations, exports, segments.
#include "absl/strings/str_cat.h"
#include "engine/decode/decoder_impl.h"

namespace ws::engine::detail {

bool Decoder::val_type(Reader& r, ValType& t) {
  uint8_t b;
  if (!r.u8(b)) return false;
  switch (b) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x7B:
      t = static_cast<ValType>(b);
      return true;
    case 0x70:
    case 0x6F:
      if (!ctx_.features.reference_types) break;
      t = static_cast<ValType>(b);
      return true;
    default:
      break;
  }
  return r.fail_at(r.offset() - 1, "malformed value type");
}

bool Decoder::ref_type(Reader& r, ValType& t) {
  uint8_t b;
  if (!r.u8(b)) return false;
  if (b != 0x70 && (b != 0x6F || !ctx_.features.reference_types)) {
    return r.fail_at(r.offset() - 1, "malformed reference type");
  }
  t = static_cast<ValType>(b);
  return true;
}

// Flags: bit 0 = has max, bit 1 = shared (threads), bit 2 = 64-bit (memory64, memories only).
// With memory64 enabled every memory limit is a u64 (the proposal's encoding).
bool Decoder::limits(Reader& r, Limits& l, bool memory) {
  size_t at = r.offset();
  uint8_t flags;
  if (!r.u8(flags)) return false;
  uint8_t allowed = memory && ctx_.features.memory64 ? 0x05 : 0x01;
  if (flags & ~allowed) {
    // Wasm 2.0 encodes the flag as a one-bit LEB128 number; the spec words errors accordingly.
    if (allowed == 0x01) {
      return r.fail_at(at, flags & 0x80 ? "integer representation too long" : "integer too large",
                       "malformed limits flags");
    }
    return r.fail_at(at, "malformed limits flags");
  }
  l.is64 = flags & 0x04;
  bool wide = memory && ctx_.features.memory64;
  auto read = [&](uint64_t& v) {
    if (wide) return r.u64(v);
    uint32_t n;
    if (!r.u32(n)) return false;
    v = n;
    return true;
  };
  if (!read(l.min)) return false;
  if (flags & 0x01) {
    uint64_t max;
    if (!read(max)) return false;
    l.max = max;
  }
  return true;
}

bool Decoder::table_type(Reader& r, TableType& t) {
  return ref_type(r, t.elem) && limits(r, t.limits, false);
}

bool Decoder::global_type(Reader& r, GlobalType& t) {
  uint8_t mut;
  if (!val_type(r, t.type) || !r.u8(mut)) return false;
  if (mut > 1) return r.fail_at(r.offset() - 1, "malformed mutability");
  t.mut = mut == 1;
  return true;
}

bool Decoder::type_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 3)) return false;
  m_.types.resize(n);
  for (FuncType& ft : m_.types) {
    uint8_t form;
    if (!r.u8(form)) return false;
    if (form != 0x60) return r.fail_at(r.offset() - 1, "malformed function type");
    uint32_t np, nr;
    if (!r.count(np)) return false;
    ft.types.resize(np);
    for (ValType& t : ft.types) {
      if (!val_type(r, t)) return false;
    }
    if (!r.count(nr)) return false;
    ft.types.resize(np + nr);
    for (uint32_t i = 0; i < nr; ++i) {
      if (!val_type(r, ft.types[np + i])) return false;
    }
    ft.num_params = np;
  }
  return true;
}

bool Decoder::import_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 4)) return false;
  m_.imports.resize(n);
  for (Import& im : m_.imports) {
    uint8_t kind;
    if (!r.name(im.module) || !r.name(im.name) || !r.u8(kind)) return false;
    switch (kind) {
      case 0:
        im.kind = ExternKind::kFunc;
        if (!r.u32(im.func_type)) return false;
        m_.functions.push_back(im.func_type);
        ++m_.num_imported_funcs;
        break;
      case 1:
        im.kind = ExternKind::kTable;
        if (!table_type(r, im.table)) return false;
        m_.tables.push_back(im.table);
        ++m_.num_imported_tables;
        break;
      case 2:
        im.kind = ExternKind::kMemory;
        if (!limits(r, im.memory.limits, true)) return false;
        m_.memories.push_back(im.memory);
        ++m_.num_imported_memories;
        break;
      case 3:
        im.kind = ExternKind::kGlobal;
        if (!global_type(r, im.global)) return false;
        m_.globals.push_back(Global{im.global, {}});
        ++m_.num_imported_globals;
        break;
      default:
        return r.fail_at(r.offset() - 1, "malformed import kind");
    }
  }
  return true;
}

bool Decoder::function_section(Reader& r) {
  uint32_t n;
  if (!r.count(n)) return false;
  m_.functions.reserve(m_.functions.size() + n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t type;
    if (!r.u32(type)) return false;
    m_.functions.push_back(type);
  }
  declared_functions = n;
  return true;
}

bool Decoder::table_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 3)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    TableType t;
    if (!table_type(r, t)) return false;
    m_.tables.push_back(t);
  }
  return true;
}

bool Decoder::memory_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 2)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    MemoryType t;
    if (!limits(r, t.limits, true)) return false;
    m_.memories.push_back(t);
  }
  return true;
}

bool Decoder::global_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 3)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    Global g;
    if (!global_type(r, g.type) || !expr(r, g.init)) return false;
    m_.globals.push_back(g);
  }
  return true;
}

bool Decoder::export_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 3)) return false;
  m_.exports.resize(n);
  for (Export& e : m_.exports) {
    uint8_t kind;
    if (!r.name(e.name) || !r.u8(kind)) return false;
    if (kind > 3) return r.fail_at(r.offset() - 1, "malformed export kind");
    e.kind = static_cast<ExternKind>(kind);
    if (!r.u32(e.index)) return false;
  }
  return true;
}

bool Decoder::start_section(Reader& r) {
  uint32_t f;
  if (!r.u32(f)) return false;
  m_.start = f;
  return true;
}

bool Decoder::elem_list(Reader& r, ElemSegment& seg, bool exprs) {
  uint32_t n;
  if (!r.count(n)) return false;
  seg.uses_exprs = exprs;
  if (exprs) {
    seg.exprs.resize(n);
    for (ConstExpr& e : seg.exprs) {
      if (!expr(r, e)) return false;
    }
  } else {
    seg.func_indices.resize(n);
    for (uint32_t& f : seg.func_indices) {
      if (!r.u32(f)) return false;
    }
  }
  return true;
}

// Element segment forms 0-7: bit 0 = passive/declarative, bit 1 = explicit table index (active)
// or declarative (non-active), bit 2 = expressions instead of function indices.
bool Decoder::element_section(Reader& r) {
  uint32_t n;
  if (!r.count(n)) return false;
  m_.elems.resize(n);
  for (ElemSegment& seg : m_.elems) {
    size_t at = r.offset();
    uint32_t flags;
    if (!r.u32(flags)) return false;
    if (flags > 7) return r.fail_at(at, "malformed elements segment kind");
    bool exprs = flags & 4;
    if (flags & 1) {
      seg.mode = (flags & 2) ? SegmentMode::kDeclarative : SegmentMode::kPassive;
    } else {
      seg.mode = SegmentMode::kActive;
      if ((flags & 2) && !r.u32(seg.table)) return false;
      if (!expr(r, seg.offset)) return false;
    }
    seg.type = ValType::kFuncRef;
    if (flags & 3) {  // every form but 0 and 4 names the element kind or type
      if (exprs) {
        if (!ref_type(r, seg.type)) return false;
      } else {
        uint8_t kind;
        if (!r.u8(kind)) return false;
        if (kind != 0) return r.fail_at(r.offset() - 1, "malformed element kind");
      }
    }
    if (!elem_list(r, seg, exprs)) return false;
  }
  return true;
}

bool Decoder::data_count_section(Reader& r) {
  uint32_t n;
  if (!r.u32(n)) return false;
  m_.data_count = n;
  return true;
}

// Data segment forms: 0 = active memory 0, 1 = passive, 2 = active with memory index.
bool Decoder::data_section(Reader& r) {
  uint32_t n;
  if (!r.count(n)) return false;
  m_.datas.resize(n);
  for (DataSegment& seg : m_.datas) {
    size_t at = r.offset();
    uint32_t flags;
    if (!r.u32(flags)) return false;
    if (flags > 2) return r.fail_at(at, "malformed data segment kind");
    seg.mode = flags == 1 ? SegmentMode::kPassive : SegmentMode::kActive;
    if (flags == 2 && !r.u32(seg.memory)) return false;
    if (flags != 1 && !expr(r, seg.offset)) return false;
    uint32_t len;
    size_t len_at = r.offset();
    if (!r.u32(len)) return false;
    if (len > r.remaining()) return r.fail_at(len_at, "unexpected end of section or function");
    seg.init = ByteSpan{static_cast<uint32_t>(r.offset()), len};
    r.skip(len);
  }
  return true;
}

bool Decoder::custom_section(Reader& r) {
  CustomSection c;
  if (!r.name(c.name)) return false;
  c.content = ByteSpan{static_cast<uint32_t>(r.offset()), static_cast<uint32_t>(r.remaining())};
  r.skip(r.remaining());
  if (c.name == "name") decode_name_section(m_, c.content);
  m_.customs.push_back(std::move(c));
  return true;
}

}  // namespace ws::engine::detail
