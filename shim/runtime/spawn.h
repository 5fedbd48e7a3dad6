// posix_spawn (clone(CLONE_VM|CLONE_VFORK) + exec in glibc) of a program with chosen descriptors,
// a clean signal state and no other inherited descriptor: safe from a threaded server.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shim/runtime/fd.h"

namespace ws::shim {

struct SpawnRequest {
  std::string path;               // the program to exec
  std::vector<std::string> argv;  // argv[0] included
  std::vector<std::string> env;   // "KEY=VALUE"
  std::vector<int> fds;           // fds[i] becomes descriptor i of the child; all others close
  bool new_session = false;       // setsid() in the child
};

struct Spawned {
  pid_t pid = 0;
  UniqueFd pidfd;  // signals through it cannot reach a recycled pid
};

// Starts the program; the signal mask is emptied and every handled signal reset to its default.
// Meant to run inside Reaper::spawn (the pidfd is opened before the child can be reaped).
absl::StatusOr<Spawned> spawn_process(const SpawnRequest& request);

// The environment for exec'ing one of the shim's own programs (the instance binary, the cache
// fill): `env` (NULL-terminated, as environ) with LD_LIBRARY_PATH cut down to the absolute
// directories that exist and hold anything (and entries with the loader's $ORIGIN-style
// tokens), and dropped when none is left. containerd's opt
// plugin sets it to "/opt/containerd/lib:" by default (and creates that directory, empty): an
// empty entry is the working directory (the bundle), a search path a runtime should not have,
// and the dynamic loader probes some twenty hardware-capability subdirectories of every entry
// for every library: ~80 failed lookups per exec, for libraries it then finds in its cache.
std::vector<std::string> program_environment(char* const* env);

// Sends `signal` through the pidfd; NOT_FOUND once the process is gone.
absl::Status signal_process(const Spawned& process, int signal);

}  // namespace ws::shim
