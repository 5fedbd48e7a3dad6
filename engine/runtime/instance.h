// An instantiated module: its VMContext, index spaces, segment state and exports.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ast/module.h"
#include "engine/runtime/abi/vmctx.h"
#include "engine/runtime/code.h"
#include "engine/runtime/extern.h"

namespace ws::engine {

class Store;
namespace runtime {
class CodeRegistration;
class Instantiator;
}  // namespace runtime

// Created by Store::instantiate and owned by the store; pointers to it, its functions,
// memories, tables and globals stay valid until the store is destroyed. Index spaces are the
// module's own (imports first).
class Instance {
 public:
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  Store& store() const { return *store_; }
  const Module& module() const { return *module_; }
  const std::shared_ptr<const Module>& shared_module() const { return module_; }

  // The export named `name`, if any.
  std::optional<Extern> find_export(std::string_view name) const;
  const std::map<std::string, Extern, std::less<>>& exports() const { return exports_; }

  uint32_t num_funcs() const { return static_cast<uint32_t>(funcs_.size()); }
  FuncRecord* func(uint32_t index) const { return FuncRecord::from_vm(funcs_[index]); }
  Memory* memory(uint32_t index) const { return memories_[index]; }
  uint32_t num_memories() const { return static_cast<uint32_t>(memories_.size()); }
  Table* table(uint32_t index) const { return tables_[index]; }
  GlobalCell* global(uint32_t index) const { return globals_[index]; }

  abi::VMContext* vmctx() { return &vmctx_; }
  static Instance* from_vmctx(abi::VMContext* ctx) { return static_cast<Instance*>(ctx->instance); }

  // Bulk operations with the spec's bounds checks; false (nothing written) when out of bounds.
  // Dropped segments behave as empty.
  bool table_init(uint32_t table, uint32_t elem, uint32_t dst, uint32_t src, uint32_t n);
  bool memory_init(uint32_t memory, uint32_t data, uint64_t dst, uint32_t src, uint32_t n);
  void drop_elem(uint32_t elem);
  void drop_data(uint32_t data);

 private:
  friend class runtime::Instantiator;
  Instance(Store* store, std::shared_ptr<const Module> module,
           std::shared_ptr<const CompiledCode> code);
  void publish_arrays();  // points vmctx_ at the arrays once they are complete

  Store* store_;
  std::shared_ptr<const Module> module_;
  std::shared_ptr<const CompiledCode> code_;
  std::shared_ptr<runtime::CodeRegistration> registration_;
  abi::VMContext vmctx_{};

  std::vector<Memory*> memories_;
  std::vector<abi::VMMemory*> vm_memories_;
  std::vector<Table*> tables_;
  std::vector<abi::VMTable*> vm_tables_;
  std::vector<GlobalCell*> globals_;
  std::vector<abi::VMGlobal*> vm_globals_;
  std::vector<abi::VMFuncRef*> funcs_;  // each is a FuncRecord
  std::vector<uint32_t> type_ids_;

  // What this instance defines (and the host-function bindings of its imports).
  std::vector<std::unique_ptr<Memory>> own_memories_;
  std::vector<std::unique_ptr<Table>> own_tables_;
  std::vector<std::unique_ptr<GlobalCell>> own_globals_;
  std::deque<FuncRecord> own_funcs_;

  std::vector<std::vector<void*>> elems_;        // evaluated references; dropped = empty
  std::vector<std::span<const uint8_t>> datas_;  // into module bytes; dropped = empty
  std::map<std::string, Extern, std::less<>> exports_;
};

}  // namespace ws::engine
