// Calling host functions: from the host (Store::invoke) and from Wasm (ws_rt_host_call).
#pragma once

#include <span>
#include <string>

#include "absl/status/status.h"
#include "engine/runtime/abi/vmctx.h"
#include "engine/runtime/func.h"

namespace ws::engine::runtime {

// Runs the callback; a C++ exception it throws becomes an error status (exceptions must never
// cross compiled frames).
absl::Status run_host_callback(const HostFunction& f, Caller& caller,
                               std::span<const abi::RawValue> args,
                               std::span<abi::RawValue> results);

// The trap message for a failed host function.
std::string host_error_message(const absl::Status& status);

// How a host call made by Wasm ended; the caller unwinds for kError and kExit.
enum class HostCallEnd { kReturned, kError, kExit };

// Runs the host function of binding `f` with arguments read from `slots` and results written
// back to them. kError stores the message in the current guard frame. Returns with every C++
// object destroyed, so ws_rt_host_call may unwind right after.
HostCallEnd call_host_from_wasm(FuncRecord& f, abi::RawValue* slots, int32_t& exit_code);

}  // namespace ws::engine::runtime
