// Stand-in used only while engine/wasi has no implementation in this tree: defines no host
// functions, so a module importing WASI fails at create with "unknown import".
#include "shim/runtime/guest_host.h"

namespace ws::shim {

absl::StatusOr<std::unique_ptr<GuestHost>> link_guest_host(const engine::wasi::WasiConfig&,
                                                           engine::Store&, engine::Linker&) {
  return std::make_unique<GuestHost>();
}

}  // namespace ws::shim
