// Compiled code of one module as the runtime consumes it; produced by codegen (JIT or a loaded
// CodeImage) or by the AOT loader. Instance-independent: every function takes its VMContext as a
// parameter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/runtime/abi/vmctx.h"

namespace ws::engine {

class LiveRanges;

struct CompiledCode {
  // Entry (Wasm convention) of each defined function, in Module::codes order.
  std::vector<void*> functions;
  // Per type index: calls a function of that type from the host (see abi::Trampoline).
  std::vector<abi::Trampoline> trampolines;
  // Per imported function: an entry in the Wasm convention of the import's type that forwards
  // to ws_rt_host_call(ctx, slots); used as VMFuncRef::code when a host function fills it.
  std::vector<void*> host_adapters;
  // [start, end) of each defined function's machine code, for backtraces and trap attribution.
  struct Range {
    uintptr_t start = 0;
    uintptr_t end = 0;
  };
  std::vector<Range> ranges;
  // Lazily compiled code (the lazy JIT tier): `ranges` stays empty and each function's range
  // arrives here when the function is linked, before it first runs.
  std::shared_ptr<LiveRanges> live_ranges;
  // The initial contents of a defined memory as a file-backed image (AOT artifacts): at
  // instantiation the runtime maps it copy-on-write over [offset, offset + size) of that memory
  // instead of copying the active data segments it lists. Only present when every active data
  // segment of the module targets `memory` at a constant in-bounds offset, so no segment can
  // trap and the mapping equals applying them in order.
  struct MemoryImage {
    uint32_t memory = 0;       // memory index (a defined, 32-bit memory)
    uint64_t offset = 0;       // byte offset in the memory, page aligned
    uint64_t size = 0;         // page multiple, within the memory's minimum size
    int fd = -1;               // readable file holding the bytes, kept open by `owner`
    uint64_t file_offset = 0;  // page aligned
  };
  std::optional<MemoryImage> memory_image;
  // Keeps the code mapped; released when the last instance and module handle are gone.
  std::shared_ptr<void> owner;
};

// Code ranges of a lazily compiled module, appended from any thread as functions are linked.
// One listener (the code registry, while the code is registered) hears of each addition before
// add() returns, so a function's range is known before its code can run.
class LiveRanges {
 public:
  struct Entry {
    uint32_t func_index = 0;  // in the module's function index space
    CompiledCode::Range range;
  };
  using Listener = std::function<void(const Entry&)>;

  void add(const Entry& e) {
    std::shared_ptr<const Listener> listener;
    {
      std::lock_guard<std::mutex> lock(mu_);
      entries_.push_back(e);
      listener = listener_;
    }
    // Outside the lock: the listener takes the registry's lock, and subscribe() is called
    // under it. An entry is either in subscribe()'s copy or heard by the new listener.
    if (listener) (*listener)(e);
  }
  // Installs `listener` (replacing any) and returns the entries added so far.
  std::vector<Entry> subscribe(std::shared_ptr<const Listener> listener) {
    std::lock_guard<std::mutex> lock(mu_);
    listener_ = std::move(listener);
    return entries_;
  }
  std::vector<Entry> entries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return entries_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  std::shared_ptr<const Listener> listener_;
};

}  // namespace ws::engine
