// Code section: local declarations and a well-formedness scan of every body and expression.
#include "engine/decode/decoder.h"
#include "engine/decode/decoder_impl.h"

namespace ws::engine::detail {
namespace {

enum Nesting : uint8_t { kPlain, kIf, kElse };

}  // namespace

// Decodes instructions up to the `end` that closes the expression, tracking block nesting the
// way the binary grammar does: `else` only inside an `if`, once. The scan may run to the end of
// the enclosing section; the caller checks where it stopped.
bool Decoder::scan_instructions(Reader& r, bool is_body) {
  size_t start = r.offset();
  InstrReader ir(m_, ByteSpan{static_cast<uint32_t>(start), static_cast<uint32_t>(r.remaining())},
                 ctx_);
  control_.clear();
  control_.push_back(kPlain);
  Instr in;
  bool ok = true;
  while (ok) {
    if (!ir.next(in)) {
      Reader& ir_r = ir.reader();
      r.fail_at(ir_r.error_offset(), ir_r.error(), ir_r.error_detail());
      return false;
    }
    switch (in.op) {
      case Opcode::kBlock:
      case Opcode::kLoop:
        control_.push_back(kPlain);
        break;
      case Opcode::kIf:
        control_.push_back(kIf);
        break;
      case Opcode::kElse:
        if (control_.back() != kIf) return r.fail_at(in.offset, "END opcode expected");
        control_.back() = kElse;
        break;
      case Opcode::kEnd:
        control_.pop_back();
        ok = !control_.empty();
        break;
      case Opcode::kMemoryInit:
      case Opcode::kDataDrop:
        if (is_body && !m_.data_count && first_data_use == 0) first_data_use = in.offset;
        break;
      default:
        break;
    }
  }
  return r.skip(ir.reader().offset() - start);
}

bool Decoder::expr(Reader& r, ByteSpan& span) {
  span.offset = static_cast<uint32_t>(r.offset());
  if (!scan_instructions(r, false)) return false;
  span.size = static_cast<uint32_t>(r.offset()) - span.offset;
  return true;
}

bool Decoder::function_body(Reader& r, uint32_t size, Code& code) {
  size_t body_end = r.offset() + size;
  uint32_t ndecl;
  if (!r.count(ndecl, 2)) return false;
  code.locals.resize(ndecl);
  uint64_t total = 0;
  for (LocalDecl& d : code.locals) {
    if (!r.u32(d.count) || !val_type(r, d.type)) return false;
    total += d.count;
    if (total > UINT32_MAX) return r.fail("too many locals");
  }
  if (total > kMaxLocals) {
    return r.fail_at(r.offset(), "too many locals",
                     "more than the implementation limit of 50000 locals");
  }
  code.num_locals = static_cast<uint32_t>(total);
  code.body.offset = static_cast<uint32_t>(r.offset());
  if (r.offset() > body_end) return r.fail("section size mismatch");
  if (defer_bodies) {
    code.body.size = static_cast<uint32_t>(body_end - r.offset());
    return r.skip(code.body.size);
  }
  if (!scan_instructions(r, true)) return false;
  if (r.offset() != body_end) return r.fail_at(body_end, "section size mismatch");
  code.body.size = static_cast<uint32_t>(r.offset()) - code.body.offset;
  return true;
}

bool Decoder::code_section(Reader& r) {
  uint32_t n;
  if (!r.count(n, 2)) return false;
  if (n != declared_functions) {
    return r.fail_at(r.offset(), "function and code section have inconsistent lengths");
  }
  m_.codes.resize(n);
  for (Code& code : m_.codes) {
    uint32_t size;
    if (!r.u32(size)) return false;
    if (size > r.remaining()) return r.fail("unexpected end of section or function");
    if (size > kMaxFunctionSize) return r.fail("function body too large");
    if (!function_body(r, size, code)) return false;
  }
  return true;
}

}  // namespace ws::engine::detail
