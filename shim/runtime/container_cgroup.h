// A container's cgroup as the runtime uses it: created from config.json (linux.cgroupsPath and
// linux.resources) before the instance process may run guest code, joined by every process of
// the container, watched for OOM kills, removed on delete.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "cgroups/cgroup.h"
#include "oci/spec.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

class ContainerCgroup {
 public:
  // Creates the cgroup named by the spec (default "/<ns>/<id>") and applies linux.resources;
  // what cannot be applied is logged. Nothing is left behind on failure.
  static absl::StatusOr<std::shared_ptr<ContainerCgroup>> create(const oci::Spec& spec,
                                                                 const std::string& ns,
                                                                 const std::string& id);
  // `delete` after a crash: removes the container's cgroup (killing what is left) if it exists.
  static absl::Status cleanup(const oci::Spec& spec, const std::string& ns, const std::string& id);

  absl::Status join(pid_t pid);
  // What a single-threaded process writes "0" into to join by itself (cgroups::join_self),
  // which spares the wait add_process has on v1; empty when the process must be added (v2).
  std::vector<std::string> self_join_files();
  // Whether the cgroup's OOM killer has fired: the watch (v1 eventfd on memory.oom_control,
  // v2 inotify on memory.events) or, authoritative, the oom_kill counter.
  bool oom_killed();
  absl::Status freeze();
  absl::Status thaw();
  absl::Status update(const std::string& resources_json);
  absl::StatusOr<cgroups::Stats> stats();
  absl::Status remove();

 private:
  explicit ContainerCgroup(std::unique_ptr<cgroups::Cgroup> cg) : cg_(std::move(cg)) {}

  std::mutex mu_;
  std::unique_ptr<cgroups::Cgroup> cg_;
  UniqueFd oom_watch_;
  bool removed_ = false;
};

}  // namespace ws::shim
