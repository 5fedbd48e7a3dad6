// What the task service needs from whatever runs guests: create a container's init process,
// add exec processes, and be told when any of them exits. The real runtime starts one instance
// process per guest; tests use a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cgroups/cgroup.h"

namespace ws::shim {

// stdio as containerd names it: "" (none), a FIFO path, file:///path or binary://cmd?args.
struct Stdio {
  std::string in;
  std::string out;
  std::string err;
  bool terminal = false;
};

// What only the Wasm runtime knows about a container (its init instance): linear memory in
// use now and at most so far, in bytes. Stats adds it to the cgroup metrics (shim/task/metrics.h).
struct WasmStats {
  uint64_t linear_memory_bytes = 0;
  uint64_t linear_memory_peak_bytes = 0;
};

struct RootfsMount {
  std::string type;
  std::string source;
  std::string target;  // relative to <bundle>/rootfs; usually empty
  std::vector<std::string> options;
};

struct ExitStatus {
  uint32_t code = 0;  // the guest's exit code, 134 for a trap, 128+signal when killed
  absl::Time at;
  bool oom = false;  // the cgroup's OOM killer ended it (code is then 137)
};

// One guest process: a container's init process or an exec. Created (its host process exists
// and waits), then started; its exit is reported through the runtime's exit handler exactly
// once, even when it dies before start().
class Process {
 public:
  virtual ~Process() = default;
  virtual uint32_t pid() const = 0;
  // Lets the created guest run.
  virtual absl::Status start() = 0;
  // Delivers `signal` (SIGTERM/SIGINT interrupt the guest; SIGKILL ends it at once).
  virtual absl::Status kill(uint32_t signal) = 0;
  virtual absl::Status resize_pty(uint32_t width, uint32_t height) = 0;
  virtual absl::Status close_stdin() = 0;
  // Releases what creation acquired (for an init process: the rootfs mounts). Called once the
  // process has exited, or after kill(SIGKILL) of a process that was never started. After it
  // returns no exit is reported for this process any more. Must not wait for the exit handler
  // (the service may hold its lock).
  virtual absl::Status destroy() = 0;

  // The container's cgroup, through its init process (UNIMPLEMENTED for others and for
  // runtimes without cgroups): freeze/thaw every process of the container, apply new
  // linux.resources (JSON), read its statistics.
  virtual absl::Status pause() { return absl::UnimplementedError("pause: no cgroup"); }
  virtual absl::Status resume() { return absl::UnimplementedError("resume: no cgroup"); }
  virtual absl::Status update(const std::string& /*resources_json*/) {
    return absl::UnimplementedError("update: no cgroup");
  }
  virtual absl::StatusOr<cgroups::Stats> stats() {
    return absl::UnimplementedError("stats: no cgroup");
  }
  // The guest's own figures; nullopt where the runtime has none.
  virtual std::optional<WasmStats> wasm_stats() { return std::nullopt; }
};

struct CreateConfig {
  std::string id;
  std::string bundle;
  std::vector<RootfsMount> rootfs;
  Stdio stdio;
};

struct ExecConfig {
  std::string exec_id;
  Stdio stdio;
  std::string process_json;  // the OCI Process the exec request carries
};

class Runtime {
 public:
  using ExitHandler = std::function<void(Process* process, ExitStatus status)>;
  virtual ~Runtime() = default;

  // Called from any thread, never while the runtime holds a lock the service might need.
  virtual void set_exit_handler(ExitHandler handler) = 0;
  // Reads the bundle, mounts the rootfs, opens stdio, loads and validates the module and
  // creates the waiting guest process. INVALID_ARGUMENT for a bad bundle or module; nothing is
  // left behind on failure.
  virtual absl::StatusOr<std::unique_ptr<Process>> create(const CreateConfig& config) = 0;
  // Creates another guest process inside the container of `init`.
  virtual absl::StatusOr<std::unique_ptr<Process>> exec(const CreateConfig& container,
                                                        Process& init,
                                                        const ExecConfig& config) = 0;
};

}  // namespace ws::shim
