// Instance accessors and the bulk segment operations shared by instantiation and intrinsics.
#include "engine/runtime/instance.h"

#include <algorithm>
#include <cstring>

#include "engine/runtime/code_registry.h"
#include "engine/runtime/store.h"

namespace ws::engine {

Instance::Instance(Store* store, std::shared_ptr<const Module> module,
                   std::shared_ptr<const CompiledCode> code)
    : store_(store), module_(std::move(module)), code_(std::move(code)) {}

Instance::~Instance() = default;

void Instance::publish_arrays() {
  vmctx_.store = store_->vm();
  vmctx_.memories = vm_memories_.data();
  vmctx_.tables = vm_tables_.data();
  vmctx_.globals = vm_globals_.data();
  vmctx_.funcs = funcs_.data();
  vmctx_.type_ids = type_ids_.data();
  vmctx_.instance = this;
}

std::optional<Extern> Instance::find_export(std::string_view name) const {
  auto it = exports_.find(name);
  if (it == exports_.end()) return std::nullopt;
  return it->second;
}

bool Instance::table_init(uint32_t table, uint32_t elem, uint32_t dst, uint32_t src, uint32_t n) {
  Table* t = tables_[table];
  const std::vector<void*>& seg = elems_[elem];
  if (uint64_t{src} + n > seg.size() || uint64_t{dst} + n > t->size()) return false;
  std::copy_n(seg.begin() + src, n, t->data() + dst);
  return true;
}

bool Instance::memory_init(uint32_t memory, uint32_t data, uint64_t dst, uint32_t src, uint32_t n) {
  Memory* mem = memories_[memory];
  std::span<const uint8_t> seg = datas_[data];
  uint64_t size = mem->size_bytes();
  if (uint64_t{src} + n > seg.size() || n > size || dst > size - n) return false;
  if (n > 0) std::memcpy(mem->base() + dst, seg.data() + src, n);
  return true;
}

void Instance::drop_elem(uint32_t elem) { std::vector<void*>().swap(elems_[elem]); }

void Instance::drop_data(uint32_t data) { datas_[data] = {}; }

}  // namespace ws::engine
