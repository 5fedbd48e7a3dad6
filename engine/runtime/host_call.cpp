// Host function calls and the Caller they see.
#include "engine/runtime/host_call.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/runtime/instance.h"
#include "engine/runtime/traps.h"

namespace ws::engine {

Memory* Caller::memory(uint32_t index) const {
  if (instance_ == nullptr || index >= instance_->num_memories()) return nullptr;
  return instance_->memory(index);
}

namespace runtime {

absl::Status run_host_callback(const HostFunction& f, Caller& caller,
                               std::span<const abi::RawValue> args,
                               std::span<abi::RawValue> results) {
  try {
    return f.callback(caller, args, results);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("host function ", f.name, " threw: ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat("host function ", f.name, " threw"));
  }
}

std::string host_error_message(const absl::Status& status) {
  if (status.message().empty()) return trap_message(TrapCode::kHostError);
  return std::string(status.message());
}

HostCallEnd call_host_from_wasm(FuncRecord& f, abi::RawValue* slots, int32_t& exit_code) {
  const FuncType& type = *f.type;
  // Results overwrite the argument slots, so the callback gets a copy of the arguments.
  constexpr uint32_t kInline = 8;
  abi::RawValue inline_args[kInline];
  std::vector<abi::RawValue> heap_args;
  abi::RawValue* args = inline_args;
  if (type.num_params > kInline) {
    heap_args.resize(type.num_params);
    args = heap_args.data();
  }
  std::copy_n(slots, type.num_params, args);
  Caller caller(*f.store, f.instance);
  absl::Status status =
      run_host_callback(*f.host, caller, {args, type.num_params}, {slots, type.num_results()});
  if (caller.exit_requested()) {
    exit_code = caller.exit_code();
    return HostCallEnd::kExit;
  }
  if (!status.ok()) {
    current_guard()->message = host_error_message(status);
    return HostCallEnd::kError;
  }
  return HostCallEnd::kReturned;
}

}  // namespace runtime
}  // namespace ws::engine
