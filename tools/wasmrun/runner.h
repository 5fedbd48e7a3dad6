// Runs one module the way RunOptions say and turns the outcome into wasmrun's exit status.
#pragma once

#include "engine/wasi/wasi.h"
#include "tools/wasmrun/options.h"

namespace ws::tools {

// The WASI configuration the options grant (argv = module path then the guest's arguments,
// preopens resolving beneath their directory). `listen_fds` are the --tcplisten sockets.
engine::wasi::WasiConfig wasi_config_for(const RunOptions& options,
                                         const std::vector<int>& listen_fds);

// Loads, links (WASI), instantiates and runs the module; reports problems on stderr and returns
// the exit status documented in usage_text().
int run_module(const RunOptions& options);

}  // namespace ws::tools
