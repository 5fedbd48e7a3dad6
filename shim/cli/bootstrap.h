// The `start` action: pick the shim socket for a container's group, reuse a live shim or
// spawn the long-running server detached from containerd, and print the address.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "oci/spec.h"
#include "shim/cli/flags.h"

namespace ws::shim {

// Directory of shim sockets (containerd's compile-time default state dir + "/s").
inline constexpr const char* kSocketDir = "/run/containerd/s";

// The grouping key: the pod's sandbox id for CRI (one shim per pod), runc's group annotation,
// else the container id.
std::string group_key(const oci::Spec& spec, const std::string& id);

// unix://<dir>/<sha256(clean(containerd_address/ns/group))>, as containerd's own shims name it.
std::string socket_address(const std::string& containerd_address, const std::string& ns,
                           const std::string& group, const std::string& dir = kSocketDir);

// Go's filepath.Clean for absolute or relative slash paths (exposed for tests).
std::string clean_path(const std::string& path);

struct StartResult {
  std::string address;   // what to print
  bool spawned = false;  // false when a live shim of the group already serves it
};

// Runs `start` in the bundle directory `bundle`: binds the socket (or finds the live shim),
// writes `<bundle>/address`, spawns `self` as the server (cwd = bundle, own session, stdio on
// /dev/null, the listening socket as fd 3 and `-socket` set). `socket_dir` is for tests.
absl::StatusOr<StartResult> start_shim(const Flags& flags, const std::string& bundle,
                                       const std::string& self,
                                       const std::string& socket_dir = kSocketDir);

// Atomically writes `<bundle>/address` (temp file + rename).
absl::Status write_address_file(const std::string& bundle, const std::string& address);

}  // namespace ws::shim
