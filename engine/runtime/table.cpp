// Table creation and growth.
#include "engine/runtime/table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace ws::engine {

absl::StatusOr<std::unique_ptr<Table>> Table::create(const TableType& type, void* init,
                                                     const StoreLimits& limits) {
  uint64_t cap = std::min<uint64_t>(limits.max_table_elements, UINT32_MAX);
  if (type.limits.max) cap = std::min(cap, *type.limits.max);
  if (type.limits.min > cap) {
    return absl::ResourceExhaustedError(
        absl::StrCat("table minimum of ", type.limits.min, " elements exceeds the limit of ", cap));
  }
  std::unique_ptr<Table> t(new Table(type, static_cast<uint32_t>(cap)));
  t->grow(static_cast<uint32_t>(type.limits.min), init);
  return t;
}

TableType Table::type() const {
  TableType t = type_;
  t.limits.min = size();
  return t;
}

int64_t Table::grow(uint32_t delta, void* init) {
  uint32_t old_size = size();
  if (delta > max_size_ - old_size) return -1;
  elements_.resize(size_t{old_size} + delta, init);
  vm_.elements = elements_.data();
  vm_.size = old_size + delta;
  return old_size;
}

}  // namespace ws::engine
