// TCP listeners for the guest (annotation io.wasmshim.tcplisten), made inside the container's
// network namespace before the process drops its privileges.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "oci/wasi_plan.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

// socket, SO_REUSEADDR, bind, listen(128) for each address, in order. INVALID_ARGUMENT naming
// the annotation and the address when one cannot be bound.
absl::StatusOr<std::vector<UniqueFd>> open_listeners(const std::vector<oci::ListenAddress>& addrs);

}  // namespace ws::shim
