// The conversation between the shim and an instance process over their socketpair ("sync fd"):
// the shim sends the setup, the instance answers once it is ready to run (or why it cannot),
// then waits for the start byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

// The hidden subcommand and the descriptor the sync socket arrives on.
inline constexpr char kInstanceCommand[] = "instance";
// The hidden subcommand that starts the code-cache fill of the module on kSyncFd (a memfd).
inline constexpr char kFillCommand[] = "fill-cache";
inline constexpr int kSyncFd = 3;
// An init instance also gets a shared page (shim/runtime/stats_page.h) on the next descriptor.
inline constexpr int kStatsFd = 4;

struct InstanceSetup {
  std::string id;
  std::string bundle;
  uint32_t init_pid = 0;     // an exec: the init process whose namespaces it joins; 0 for init
  std::string process_json;  // an exec: its OCI Process; "" for init (config.json's)
  bool terminal = false;     // descriptors 0-2 are a pty slave to make the controlling terminal
  // The container's cgroups, to join first thing (cgroups::join_self): the files, or none when
  // the shim added the process itself.
  std::vector<std::string> join_files;

  bool is_exec() const { return init_pid != 0; }
};

// Frames are a 4-byte length then the payload; fields inside are length-prefixed too.
absl::Status send_setup(int fd, const InstanceSetup& setup);
absl::StatusOr<InstanceSetup> recv_setup(int fd);

// The instance's answer: OK, or the error create() returns (code and message travel as is).
// `fill_fd` >= 0: the module's bytes (a memfd) whose code-cache fill the shim should start (a
// cache miss the instance runs lazily; the fill must not run in the container's cgroup).
// `joined`: it moved itself into the setup's join_files.
absl::Status send_ready(int fd, const absl::Status& status, int fill_fd = -1, bool joined = false);
// INTERNAL naming the instance when it died (EOF) before answering. `fill` receives the
// descriptor send_ready passed, if any; `joined` whether the instance joined its cgroups (false
// from an instance binary of the previous build, which ignores join_files).
absl::Status recv_ready(int fd, UniqueFd* fill = nullptr, bool* joined = nullptr);

// One byte that lets the instance run; recv_start is false when the shim hung up instead.
absl::Status send_start(int fd);
bool recv_start(int fd);

}  // namespace ws::shim
