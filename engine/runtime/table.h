// Tables of references and global cells, as instances and the host create them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast/types.h"
#include "engine/runtime/abi/vmctx.h"
#include "engine/runtime/limits.h"

namespace ws::engine {

// Elements are VMFuncRef* (funcref) or opaque pointer-sized values (externref); null is
// nullptr. The element array may move on growth; compiled code reloads VMTable::elements.
class Table {
 public:
  // Fails with RESOURCE_EXHAUSTED when the minimum exceeds the limits.
  static absl::StatusOr<std::unique_ptr<Table>> create(const TableType& type, void* init,
                                                       const StoreLimits& limits);
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  abi::VMTable* vm() { return &vm_; }
  uint32_t size() const { return vm_.size; }
  ValType elem_type() const { return type_.elem; }
  // The type as import matching sees it: the current size as the minimum.
  TableType type() const;
  uint32_t max_size() const { return max_size_; }

  // Unchecked element access: callers check `index < size()`.
  void* get(uint32_t index) const { return vm_.elements[index]; }
  void set(uint32_t index, void* value) { vm_.elements[index] = value; }
  void** data() { return vm_.elements; }

  // Grows by `delta` elements set to `init`; returns the old size, or -1 beyond max_size().
  int64_t grow(uint32_t delta, void* init);

 private:
  Table(const TableType& type, uint32_t max_size) : type_(type), max_size_(max_size) {}

  abi::VMTable vm_{};
  TableType type_;
  uint32_t max_size_ = 0;
  std::vector<void*> elements_;
};

// A global's storage cell (named GlobalCell: ws::engine::Global is the AST's declaration).
// Importers alias the exporter's cell.
class GlobalCell {
 public:
  GlobalCell(const GlobalType& type, abi::RawValue value) : type_(type) { cell_.value = value; }
  GlobalCell(const GlobalCell&) = delete;
  GlobalCell& operator=(const GlobalCell&) = delete;

  const GlobalType& type() const { return type_; }
  abi::VMGlobal* vm() { return &cell_; }
  abi::RawValue get() const { return cell_.value; }
  void set(abi::RawValue v) { cell_.value = v; }

 private:
  abi::VMGlobal cell_{};
  GlobalType type_;
};

}  // namespace ws::engine
