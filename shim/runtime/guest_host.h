// What a guest imports from the host: WASI preview1 serving the container's grant.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/wasi/wasi.h"

namespace ws::shim {

// Keeps whatever serves the host functions alive while the guest runs.
class GuestHost {
 public:
  virtual ~GuestHost() = default;
};

// Defines the host functions in `linker` for `store` (errors name the failing preopen).
absl::StatusOr<std::unique_ptr<GuestHost>> link_guest_host(const engine::wasi::WasiConfig& config,
                                                           engine::Store& store,
                                                           engine::Linker& linker);

}  // namespace ws::shim
