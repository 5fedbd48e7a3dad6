// Trap codes shared by compiled code (passed to the trap intrinsic) and the runtime.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ws::engine {

enum class TrapCode : uint32_t {
#define WS_TRAP(name, text) k##name,
#include "engine/runtime/abi/trap_codes.def"
#undef WS_TRAP
};

inline constexpr size_t kNumTrapCodes = 0
#define WS_TRAP(name, text) +1
#include "engine/runtime/abi/trap_codes.def"
#undef WS_TRAP
    ;

constexpr const char* trap_message(TrapCode c) {
  constexpr const char* kText[] = {
#define WS_TRAP(name, text) text,
#include "engine/runtime/abi/trap_codes.def"
#undef WS_TRAP
  };
  return kText[static_cast<uint32_t>(c)];
}

}  // namespace ws::engine
