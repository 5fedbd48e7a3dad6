// The store: owner of instances and host objects, and the entry point for running Wasm.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/abi/vmctx.h"
#include "engine/runtime/code.h"
#include "engine/runtime/extern.h"
#include "engine/runtime/func.h"
#include "engine/runtime/instance.h"
#include "engine/runtime/limits.h"
#include "engine/runtime/outcome.h"

namespace ws::engine {

// Everything a store creates lives until the store is destroyed (instances that failed to
// instantiate included: the spec keeps their effects on imported tables and memories).
// A store is used by one thread at a time; only interrupt() may be called from any thread.
class Store {
 public:
  explicit Store(StoreLimits limits = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const StoreLimits& limits() const { return limits_; }
  abi::VMStoreContext* vm() { return &vm_; }

  // Instantiates `module` (validated) with its compiled code (`code` may be null when the
  // module defines no functions and imports no host functions) and one extern per import, in
  // import order, each created by this store or one of its instances. Follows the spec: import
  // types are checked, then memories, tables and globals are created, element then data segments
  // applied, then the start function runs. Errors: INVALID_ARGUMENT "incompatible import type ..."
  // (or a wrong import count); RESOURCE_EXHAUSTED when StoreLimits forbid a memory or table;
  // ABORTED with the trap's message ("out of bounds memory access", "unreachable", ...) when
  // initialisation traps, or "exit with code N" when the start function exits; INTERNAL when `code`
  // does not fit the module.
  absl::StatusOr<Instance*> instantiate(std::shared_ptr<const Module> module,
                                        std::shared_ptr<const CompiledCode> code,
                                        std::span<const Extern> imports);

  // Host-created externs (for example the spec's `spectest` module, or WASI functions).
  absl::StatusOr<Memory*> create_memory(const MemoryType& type);
  absl::StatusOr<Table*> create_table(const TableType& type, void* init = nullptr);
  GlobalCell* create_global(const GlobalType& type, abi::RawValue value);
  FuncRecord* create_host_function(HostFunction function);

  // Calls `func` with one slot per parameter. Wasm functions run under a trap guard with the
  // stack limit set (nested calls from host functions share the outermost call's budget).
  // INVALID_ARGUMENT for a null function, one of another store, or a wrong argument count.
  absl::StatusOr<Outcome> invoke(FuncRecord* func, std::span<const abi::RawValue> args);

  // Thread-safe: asks the running call to stop; it ends as a trap with
  // TrapCode::kInterrupted at the next function entry or loop header. A request made while
  // nothing runs is dropped when the next outermost call starts.
  void interrupt();

 private:
  friend class runtime::Instantiator;

  Outcome invoke_host(FuncRecord* func, std::span<const abi::RawValue> args);
  void set_stack_limit(uintptr_t limit);
  Outcome invoke_wasm(FuncRecord* func, std::span<const abi::RawValue> args);

  StoreLimits limits_;
  abi::VMStoreContext vm_{};
  uint32_t depth_ = 0;  // guarded calls of this store in progress
  std::vector<std::unique_ptr<Instance>> instances_;
  std::vector<std::unique_ptr<Memory>> memories_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::vector<std::unique_ptr<GlobalCell>> globals_;
  std::deque<HostFunction> host_functions_;
  std::deque<FuncRecord> host_records_;
};

}  // namespace ws::engine
