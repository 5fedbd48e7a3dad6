// The shim binary's actions besides `start`: serving the task API and the `delete` cleanup.
#pragma once

#include <string>

#include "shim/cli/flags.h"
#include "shim/task/runtime.h"

namespace ws::shim {

inline constexpr const char* kShimVersion = "0.1.0";
inline constexpr const char* kShimRevision = "wasmshim";

// Blocks SIGTERM and SIGINT in the calling thread, so that every thread created afterwards
// inherits the mask and the signal thread of serve() takes them; ignores SIGPIPE. Call first
// thing in main, before any thread exists. (Children are spawned with an empty mask.)
void block_shim_signals();

// The long-running server: logs to the bundle's `log` FIFO, serves the task API on the
// listening socket inherited as fd 3 (or binds `flags.socket` itself when there is none),
// publishes events to $TTRPC_ADDRESS, and returns the process exit code once Shutdown or
// SIGTERM stopped it.
int serve(const Flags& flags, Runtime& runtime);

// `delete`: idempotent cleanup of container flags.id in `bundle` without a running server:
// kills its instance process if one is recorded, unmounts the rootfs, prints a serialized
// DeleteResponse (exit status 137) on stdout. Returns the exit code.
int delete_action(const Flags& flags, const std::string& bundle);

// `-info`: prints a serialized containerd.types.RuntimeInfo (name, version, and the runtime
// options read from stdin, if any). Returns the exit code.
int info_action();

// `-v`: the version text.
int version_action();

// Where the runtime records the init instance process's pid, for `delete` after a shim crash.
inline constexpr const char* kInitPidFile = "init.pid";

}  // namespace ws::shim
