// The real Runtime behind the task service: every guest process (a container's init or an exec)
// is its own instance process, exec'd from the shim binary in its hidden `instance` mode.
//
// What the shim's main must do (see instance_main.h for the dispatch):
//   if (ws::shim::is_instance_invocation(argc, argv)) return ws::shim::instance_main(argc, argv);
//   ws::shim::become_child_subreaper();                 // reaper.h, server mode only
//   ws::shim::InstanceRuntime runtime;                  // default: exec /proc/self/exe
//   ws::shim::TaskService service(runtime, publisher, on_shutdown);
// Every other child of the server must be started through Reaper::spawn (reaper.h).
#pragma once

#include <memory>
#include <string>

#include "shim/task/image_content.h"
#include "shim/task/runtime.h"

namespace ws::shim {

struct InstanceRuntimeOptions {
  // The program exec'd for each guest process as `<argv0> instance`: the shim itself by
  // default; tests point it at a small binary whose main calls instance_main().
  std::string instance_binary = "/proc/self/exe";
  std::string argv0 = "containerd-shim-wasm-v1";
  // containerd's images and content store, for OCI Wasm artifacts (wasm_artifact.h); none:
  // only images whose rootfs holds the module run.
  std::shared_ptr<ImageContent> images;
  // containerd namespace: the default cgroup is /<ns>/<id> ("wasmshim" when empty).
  std::string ns;
};

class InstanceRuntime : public Runtime {
 public:
  explicit InstanceRuntime(InstanceRuntimeOptions options = {});
  ~InstanceRuntime() override;

  void set_exit_handler(ExitHandler handler) override;
  // config.json, rootfs mounts, stdio, the instance process (which sets up its namespaces and
  // mounts, finds and compiles the module and waits), then the prestart and createRuntime hooks.
  absl::StatusOr<std::unique_ptr<Process>> create(const CreateConfig& config) override;
  // An instance process in the namespaces of `init` running the exec's OCI Process.
  absl::StatusOr<std::unique_ptr<Process>> exec(const CreateConfig& container, Process& init,
                                                const ExecConfig& config) override;

  struct Handler;  // the exit handler, shared with exit callbacks that may outlive the runtime

 private:
  InstanceRuntimeOptions options_;
  std::shared_ptr<Handler> handler_;
};

}  // namespace ws::shim
