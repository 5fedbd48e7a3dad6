// The guest of one instance process: its module found inside the container's root, loaded,
// linked against WASI and run as a WASI command.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "oci/spec.h"
#include "shim/runtime/container_setup.h"
#include "shim/runtime/guest_host.h"

namespace ws::shim {

// The in-root path of the module `process.args[0]` names: as given when it contains a '/'
// (relative to process.cwd), else the first PATH entry of process.env holding it.
std::string module_path(const oci::Process& process, int root_fd);

class Guest {
 public:
  // Resolves, reads, decodes, validates and compiles the module and resolves its imports; all
  // failures are INVALID_ARGUMENT "<module path>: <problem>" (UNIMPLEMENTED stays). WASI gets
  // argv = process.args, env = process.env and the root preopened as "/" with in-root
  // resolution; a read-only root is the kernel's business (the rootfs mount is read-only, the
  // spec's read-write mounts below it stay writable).
  static absl::StatusOr<std::unique_ptr<Guest>> load(const oci::Process& process,
                                                     const ContainerRoot& root);

  // Instantiates and runs `_start`; the process exit status: the guest's exit code, 0 when
  // `_start` returns, 134 after a trap (printed with its backtrace on stderr), 128+signal when
  // `interrupted_by` was set and the guest stopped for it.
  int run(const std::atomic<int>& interrupted_by);

  engine::Store& store() { return *store_; }

 private:
  Guest() = default;

  std::string path_;
  std::shared_ptr<const engine::CompiledModule> module_;
  std::unique_ptr<engine::Store> store_;
  engine::Linker linker_;
  std::unique_ptr<GuestHost> host_;
};

}  // namespace ws::shim
