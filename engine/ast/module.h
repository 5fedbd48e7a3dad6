// A decoded module: plain data over the module's bytes; function bodies stay encoded.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/ast/types.h"

namespace ws::engine {

// The module's binary, kept alive by a shared owner: a vector the module took over, or a
// mapping of the module file (support::MappedFile), so that loading a file copies nothing and
// copies of a Module share the bytes.
class ModuleBytes {
 public:
  ModuleBytes() = default;
  ModuleBytes(std::vector<uint8_t> bytes)  // NOLINT: implicit, as the vector it replaces
      : ModuleBytes(std::make_shared<const std::vector<uint8_t>>(std::move(bytes))) {}
  // `bytes` must stay valid while `owner` lives.
  ModuleBytes(std::shared_ptr<const void> owner, std::span<const uint8_t> bytes)
      : owner_(std::move(owner)), span_(bytes) {}

  const uint8_t* data() const { return span_.data(); }
  size_t size() const { return span_.size(); }
  bool empty() const { return span_.empty(); }
  const uint8_t* begin() const { return span_.data(); }
  const uint8_t* end() const { return span_.data() + span_.size(); }
  uint8_t operator[](size_t i) const { return span_[i]; }
  std::span<const uint8_t> span() const { return span_; }
  operator std::span<const uint8_t>() const { return span_; }  // NOLINT

 private:
  explicit ModuleBytes(std::shared_ptr<const std::vector<uint8_t>> v)
      : owner_(v), span_(v->data(), v->size()) {}
  std::shared_ptr<const void> owner_;
  std::span<const uint8_t> span_;
};

// A range of the module's bytes.
struct ByteSpan {
  uint32_t offset = 0;
  uint32_t size = 0;
};

// A constant expression: its encoded instructions, ending with `end`.
using ConstExpr = ByteSpan;

struct Import {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t func_type = 0;  // kFunc
  TableType table;         // kTable
  MemoryType memory;       // kMemory
  GlobalType global;       // kGlobal
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElemSegment {
  SegmentMode mode = SegmentMode::kActive;
  ValType type = ValType::kFuncRef;
  uint32_t table = 0;
  ConstExpr offset;                    // kActive
  std::vector<uint32_t> func_indices;  // element kind 0x00 forms
  std::vector<ConstExpr> exprs;        // expression forms
  bool uses_exprs = false;

  uint32_t size() const {
    return static_cast<uint32_t>(uses_exprs ? exprs.size() : func_indices.size());
  }
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;
  uint32_t memory = 0;
  ConstExpr offset;  // kActive
  ByteSpan init;
};

struct LocalDecl {
  uint32_t count = 0;
  ValType type = ValType::kI32;
};

// A function body. `body` starts after the local declarations and ends after the final `end`.
struct Code {
  std::vector<LocalDecl> locals;
  uint32_t num_locals = 0;  // sum of the declarations, params excluded
  ByteSpan body;
};

struct CustomSection {
  std::string name;
  ByteSpan content;
};

// The `name` custom section, decoded; entries that are malformed are dropped, as the spec allows.
struct NameSection {
  std::string module_name;
  std::map<uint32_t, std::string> functions;
  std::map<uint32_t, std::map<uint32_t, std::string>> locals;
};

struct Module {
  ModuleBytes bytes;  // the whole binary; every ByteSpan points into it
  Features features;  // what the decoder accepted (immediates depend on it)

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<uint32_t> functions;  // type index of each function, imported ones first
  std::vector<TableType> tables;    // imported first
  std::vector<MemoryType> memories;
  std::vector<Global> globals;  // imported globals have an empty init
  std::vector<Export> exports;
  std::optional<uint32_t> start;
  std::vector<ElemSegment> elems;
  std::vector<DataSegment> datas;
  std::optional<uint32_t> data_count;
  std::vector<Code> codes;  // defined functions only
  std::vector<CustomSection> customs;
  NameSection names;

  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  const FuncType& func_type(uint32_t func_index) const { return types[functions[func_index]]; }
  const uint8_t* data(ByteSpan s) const { return bytes.data() + s.offset; }
};

}  // namespace ws::engine
