// Function records (the runtime side of a funcref), host functions and the caller they see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "engine/ast/types.h"
#include "engine/runtime/abi/vmctx.h"

namespace ws::engine {

class Instance;
class Memory;
class Store;

// What a host function sees of its call: the store, the calling instance and its memories,
// and a way to end the whole run with an exit code (WASI proc_exit).
class Caller {
 public:
  Caller(Store& store, Instance* instance) : store_(store), instance_(instance) {}

  Store& store() const { return store_; }
  // The instance that imported the host function; nullptr when the host invoked it directly.
  Instance* instance() const { return instance_; }
  // The calling instance's memory `index`, or nullptr when there is none.
  Memory* memory(uint32_t index = 0) const;

  // Requests that the run end as Exited{code}: once the callback returns (its status is then
  // ignored) the call unwinds like a trap to the innermost Store::invoke, which reports
  // Outcome::kExited. A host function that receives kExited from a nested invoke calls this
  // again to pass the exit on.
  void exit(int32_t code) {
    exit_requested_ = true;
    exit_code_ = code;
  }
  bool exit_requested() const { return exit_requested_; }
  int32_t exit_code() const { return exit_code_; }

 private:
  Store& store_;
  Instance* instance_;
  bool exit_requested_ = false;
  int32_t exit_code_ = 0;
};

// Arguments in parameter order and room for the results, one slot per value (see value.h).
// A non-OK status traps the call with TrapCode::kHostError and the status message.
using HostCallback = std::function<absl::Status(Caller& caller, std::span<const abi::RawValue> args,
                                                std::span<abi::RawValue> results)>;

struct HostFunction {
  FuncType type;
  HostCallback callback;
  std::string name;  // for messages
};

// The runtime's record of one function; compiled code sees only the leading VMFuncRef, and a
// VMFuncRef* from a table or global converts back with from_vm(). Records never move.
//
// Wasm functions: ref = {compiled entry, defining instance's VMContext, canonical type id}.
// Host functions: ref.vmctx points at this record itself (ws_rt_host_call receives it) and
// ref.code is the importing module's host adapter. A host function the store created but no
// module imported yet has code == nullptr: only the host can call it, and it cannot be placed
// in a table or global until an import gives it an adapter.
struct FuncRecord {
  abi::VMFuncRef ref;
  abi::Trampoline trampoline;  // Wasm functions: enters ref.code from the host
  const FuncType* type;
  const HostFunction* host;  // host functions only
  Store* store;
  Instance* instance;  // defining instance; for host functions the importing one (or null)
  uint32_t index;      // function index in `instance`

  bool is_host() const { return host != nullptr; }
  abi::VMFuncRef* vm() { return &ref; }
  static FuncRecord* from_vm(void* ref) { return static_cast<FuncRecord*>(ref); }
};
static_assert(std::is_standard_layout_v<FuncRecord>);
static_assert(offsetof(FuncRecord, ref) == 0);

}  // namespace ws::engine
