// An instance binary of the previous build, as far as the shim can tell (an upgrade replaced it
// under a running shim the other way round): it reads the setup, ignores the cgroup join files
// that build did not know, answers ready without having joined, waits for the start byte and
// then sleeps until it is killed.
#include <unistd.h>

#include <string>

#include "absl/status/status.h"
#include "shim/runtime/protocol.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != ws::shim::kInstanceCommand) return 2;
  if (!ws::shim::recv_setup(ws::shim::kSyncFd).ok()) return 1;
  if (!ws::shim::send_ready(ws::shim::kSyncFd, absl::OkStatus()).ok()) return 1;
  if (!ws::shim::recv_start(ws::shim::kSyncFd)) return 1;
  for (;;) ::pause();
}
