// The one mapping from host errno values to WASI errno values.
#pragma once

#include "engine/wasi/abi.h"

namespace ws::engine::wasi {

// Maps a Linux errno (errno_map.def); values the table does not list become Errno::kIo.
Errno errno_from_host(int host_errno);

// The WASI errno for the current value of `errno`.
Errno last_errno();

}  // namespace ws::engine::wasi
