// The guest of one instance process: its module found inside the container's root, loaded,
// linked against WASI and run as a WASI command.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "oci/wasi_plan.h"
#include "shim/runtime/container_setup.h"
#include "shim/runtime/guest_host.h"

namespace ws::shim {

class Guest {
 public:
  // Reads the planned module from the root, decodes, validates and compiles it, checks that it
  // exports the entry function (`_start`, or the `#func` of args[0], taking no parameters) and
  // resolves its imports; all failures are INVALID_ARGUMENT "<module path>: <problem>"
  // (UNIMPLEMENTED stays). WASI gets argv and env of the plan, the root preopened as "/" with
  // in-root resolution and the plan's fd bound; a read-only root is the kernel's business (the
  // rootfs mount is read-only, the spec's read-write mounts below it stay writable). The store
  // gets the plan's memory cap.
  // `listeners` (annotation io.wasmshim.tcplisten) follow the root preopen as fds 4...
  static absl::StatusOr<std::unique_ptr<Guest>> load(const oci::WasiPlan& plan,
                                                     const ContainerRoot& root,
                                                     const std::vector<int>& listeners = {});

  // Instantiates and runs the entry (a reactor's `_initialize` first when the entry is another
  // export); the process exit status: the guest's exit code, 0 when the entry returns, 134 after
  // a trap (printed with its backtrace on stderr), 128+signal when `interrupted_by` was set and
  // the guest stopped for it, 124 when the plan's timeout stopped it.
  int run(const std::atomic<int>& interrupted_by);

  engine::Store& store() { return *store_; }
  // A cache miss that runs lazily: the module's bytes in a memfd for the shim to start the
  // code-cache fill from (outside the container's cgroup); -1 when no fill is wanted (a hit, a
  // small module compiled up front) or the memfd cannot be made. The caller owns the descriptor.
  int take_fill_fd();

 private:
  Guest() = default;

  std::string path_;
  std::string function_;
  std::optional<double> timeout_seconds_;
  std::shared_ptr<const engine::CompiledModule> module_;
  std::unique_ptr<engine::Store> store_;
  engine::Linker linker_;
  std::unique_ptr<GuestHost> host_;
  bool fill_taken_ = false;
};

}  // namespace ws::shim
