// How a call into Wasm ended: returned with results, trapped (kind and backtrace) or exited.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/abi/trap.h"
#include "engine/runtime/abi/vmctx.h"

namespace ws::engine {

// One Wasm frame, innermost first.
struct BacktraceFrame {
  uint32_t func_index = 0;  // in the defining module's function index space
  std::string func_name;    // from the name section; empty when absent
  std::string module_name;  // from the name section; empty when absent
};

struct Trap {
  TrapCode code = TrapCode::kUnreachable;
  std::string message;  // trap_message(code), or the host function's message for kHostError
  std::vector<BacktraceFrame> backtrace;
  bool backtrace_truncated = false;  // only the innermost frames were kept

  // "message" followed by one "  #i name (func N)" line per frame.
  std::string to_string() const;
};

struct Outcome {
  enum class Kind { kReturned, kTrapped, kExited };
  Kind kind = Kind::kReturned;
  std::vector<abi::RawValue> results;  // kReturned
  Trap trap;                           // kTrapped
  int32_t exit_code = 0;               // kExited

  bool returned() const { return kind == Kind::kReturned; }
  bool trapped() const { return kind == Kind::kTrapped; }
  bool exited() const { return kind == Kind::kExited; }
};

}  // namespace ws::engine
