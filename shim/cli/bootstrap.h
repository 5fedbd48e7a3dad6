// The `start` action: pick the shim socket for a container's group, reuse a live shim or
// spawn the long-running server detached from containerd, and print the address.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

// How `start` makes the server process.
enum class ServerLaunch {
  // fork() the single-threaded `start` process: the child returns from start_shim() as the
  // server (StartResult::server set) with no second exec. What the shim binary does.
  kFork,
  // fork() then exec `self` with -socket and -protocol (a server in another binary).
  kExec,
};

struct StartResult {
  std::string address;   // unix://...
  bool spawned = false;  // false when a live shim of the group already serves it
  std::string protocol = "ttrpc";
  // kFork only, in the child: this process is now the server, detached (own session, cwd =
  // bundle, stdio on /dev/null, fd 3 set up, no other descriptor); serve these flags and exit.
  std::optional<Flags> server;

  // What `start` prints: the plain address for ttrpc (every containerd reads it), the
  // version-2 JSON reply for grpc (containerd 1.7+).
  std::string reply() const;
};

// Whether containerd of version `containerd_version` ("v1.7.24", "1.7.24~ds1", "2.1.9+unknown")
// can use a shim that answers with task v3 over gRPC: 1.x can (from 1.7 on, which `start`
// checks apart); 2.x cannot (checked with 2.1.9: its connection monitor takes a new gRPC
// client's idle state for a disconnect and cleans up the bundle at once) and so gets ttrpc.
// A string that names no version counts as 1.x.
bool containerd_takes_grpc_shims(std::string_view containerd_version);

// Runs `start` in the bundle directory `bundle`: finds the group's live shim or spawns the
// server (cwd = bundle, own session, stdio on /dev/null, `-socket` and `-protocol` set), and
// writes `<bundle>/address`. ttrpc: the socket is bound here and handed over as fd 3.
// grpc: the server binds it and reports readiness on a pipe at fd 3 (up to 10 s).
// kExec runs `self` as the server; kFork requires a single-threaded caller and returns twice
// (see StartResult::server). `socket_dir` is for tests.
absl::StatusOr<StartResult> start_shim(const Flags& flags, const std::string& bundle,
                                       const std::string& self,
                                       const std::string& protocol = "ttrpc",
                                       const std::string& socket_dir = kSocketDir,
                                       ServerLaunch launch = ServerLaunch::kExec);

// The instance binary the server execs for each container: kInstanceBinaryName in the
// directory of `self` when it is an executable file there, else `self` (whose hidden
// `instance` mode does the same work, at the cost of loading the whole shim per container).
inline constexpr const char* kInstanceBinaryName = "containerd-shim-wasm-v1-instance";
std::string instance_binary_beside(const std::string& self);

// Atomically writes `<dir>/<name>` (temp file + rename).
absl::Status write_file_atomically(const std::string& dir, const std::string& name,
                                   const std::string& content);
// `<bundle>/address`.
absl::Status write_address_file(const std::string& bundle, const std::string& address);

}  // namespace ws::shim
