// Compiled code of one module as the runtime consumes it; produced by codegen (JIT) or, later,
// by the AOT loader. Instance-independent: every function takes its VMContext as a parameter.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/runtime/abi/vmctx.h"

namespace ws::engine {

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
  // Keeps the code mapped; released when the last instance and module handle are gone.
  std::shared_ptr<void> owner;
};

}  // namespace ws::engine
