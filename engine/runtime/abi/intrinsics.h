// Ids of the runtime functions compiled code calls (see intrinsics.def), shared by codegen and
// the runtime so both index the same address table.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ws::engine {

enum class IntrinsicId : uint32_t {
#define WS_INTRINSIC(name, symbol, result, params) k##name,
#include "engine/runtime/abi/intrinsics.def"
#undef WS_INTRINSIC
  kCount,
};
inline constexpr size_t kNumIntrinsics = static_cast<size_t>(IntrinsicId::kCount);

inline constexpr const char* kIntrinsicSymbols[] = {
#define WS_INTRINSIC(name, symbol, result, params) symbol,
#include "engine/runtime/abi/intrinsics.def"
#undef WS_INTRINSIC
};

}  // namespace ws::engine
