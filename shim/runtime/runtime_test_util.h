// Root-test support: bundles on disk, an exit recorder, FIFOs, and checks for leftovers.
#pragma once

#include <gtest/gtest.h>

#include <sys/types.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/time.h"
#include "shim/runtime/fd.h"
#include "shim/runtime/instance_runtime.h"

namespace ws::shim::testing {

// A bundle in a fresh temp directory: config.json from `spec`, an empty rootfs directory.
struct Bundle {
  Bundle();
  ~Bundle();
  // Copies guests/<guest>.wasm (built from testdata/) to `path` under the rootfs.
  void add_guest(const std::string& guest, const std::string& path = "/app.wasm");
  void write_file(const std::string& path, const std::string& text);  // under the bundle dir
  void write_config();
  CreateConfig create_config(const std::string& id = "c1") const;

  std::string dir;
  std::string rootfs;
  nlohmann::json spec;
};

// Records every exit the runtime reports.
class Exits {
 public:
  Runtime::ExitHandler handler();
  std::optional<ExitStatus> wait(Process* p, absl::Duration timeout = absl::Seconds(20));
  int count(Process* p);
  // Drops what was recorded for `p` (call before freeing it: a later process may reuse the
  // address).
  void forget(Process* p);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Process*, ExitStatus>> exits_;
};

// The containerd namespace test_options() gives: one per test process, so that parallel tests'
// default cgroups (/<ns>/<id>) never meet.
std::string test_namespace();
InstanceRuntimeOptions test_options();
std::string guest_file(const std::string& guest);
// Whether /proc/<pid>/cgroup puts the process at `path` in every v1 controller hierarchy (or, on
// a v2 host, in the unified tree); names what it found otherwise.
::testing::AssertionResult in_cgroup(pid_t pid, const std::string& path);
// Pids whose parent is this process (zombies included).
std::vector<pid_t> child_pids();
// True when some mount point in /proc/<pid>/mountinfo is `path` (or below it with `below`).
bool mounted(const std::string& path, pid_t pid = 0, bool below = false);
// mkfifo at `path` and open its read side (non-blocking).
UniqueFd make_fifo_reader(const std::string& path);
// Reads until EOF or until `timeout` passes.
std::string read_until_eof(int fd, absl::Duration timeout = absl::Seconds(20));

}  // namespace ws::shim::testing
