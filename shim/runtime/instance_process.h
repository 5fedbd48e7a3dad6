// One instance process as the task service sees it, and how its exit travels to the handler.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "oci/spec.h"
#include "shim/runtime/container_cgroup.h"
#include "shim/runtime/fd.h"
#include "shim/runtime/instance_runtime.h"
#include "shim/runtime/protocol.h"
#include "shim/runtime/rootfs.h"
#include "shim/runtime/spawn.h"
#include "shim/runtime/stats_page.h"
#include "shim/runtime/stdio.h"

namespace ws::shim {

struct InstanceRuntime::Handler {
  std::mutex mu;
  ExitHandler fn;
};

// Shared by a process and the reaper's callback for it. An exit is reported once the process is
// armed (create()/exec() returned it), at most once, and never after destroy().
struct ExitSlot {
  enum class State { kCreating, kArmed, kDestroyed };
  std::mutex mu;
  std::condition_variable reaped_cv;
  State state = State::kCreating;
  Process* owner = nullptr;
  bool reaped = false;
  std::optional<ExitStatus> early;  // reaped while still kCreating
  std::shared_ptr<InstanceRuntime::Handler> handler;
  // An init process's cgroup: a SIGKILL exit is an OOM kill when its OOM killer fired.
  std::shared_ptr<ContainerCgroup> oom_cgroup;
};

struct LaunchRequest {
  InstanceRuntimeOptions options;
  InstanceSetup setup;
  std::shared_ptr<ProcessIo> io;
  std::shared_ptr<InstanceRuntime::Handler> handler;
  // Joined before any guest code: by the instance itself first thing after its setup arrives
  // where the cgroup allows (v1), else right after the spawn, before the setup is sent.
  std::shared_ptr<ContainerCgroup> cgroup;
};

class InstanceProcess : public Process {
 public:
  // Spawns the instance process, sends its setup and waits until it is ready; on failure the
  // process is killed and reaped before the error returns.
  static absl::StatusOr<std::unique_ptr<InstanceProcess>> launch(const LaunchRequest& request);
  ~InstanceProcess() override;

  uint32_t pid() const override { return static_cast<uint32_t>(child_.pid); }
  absl::Status start() override;
  absl::Status kill(uint32_t signal) override;
  absl::Status resize_pty(uint32_t width, uint32_t height) override;
  absl::Status close_stdin() override;
  absl::Status destroy() override;
  absl::Status pause() override;
  absl::Status resume() override;
  absl::Status update(const std::string& resources_json) override;
  absl::StatusOr<cgroups::Stats> stats() override;
  std::optional<WasmStats> wasm_stats() override;

  // An init process owns the rootfs mounts and runs the spec's hooks.
  void make_init(std::unique_ptr<RootfsMounts> mounts, oci::Spec spec, std::string id,
                 std::string bundle, std::shared_ptr<ContainerCgroup> cgroup);
  const oci::Spec* spec() const { return spec_ ? &*spec_ : nullptr; }
  const std::shared_ptr<ContainerCgroup>& cgroup() const { return cgroup_; }
  bool exited() const;
  // From now on exits are reported (one that already happened is reported now, by the caller).
  void arm();
  // Kills and reaps a process that will not be returned; its exit is not reported.
  void abandon();

 private:
  InstanceProcess() = default;

  Spawned child_;
  UniqueFd sync_;  // the shim's end of the socketpair until start()
  std::shared_ptr<ProcessIo> io_;
  std::shared_ptr<ExitSlot> slot_;
  std::unique_ptr<RootfsMounts> mounts_;
  std::optional<oci::Spec> spec_;
  std::shared_ptr<ContainerCgroup> cgroup_;  // init only: removed by destroy()
  std::optional<StatsPage> stats_page_;      // init only: the engine's linear-memory totals
  std::string id_, bundle_;
  bool destroyed_ = false;
};

}  // namespace ws::shim
