// WASI preview1 (`wasi_snapshot_preview1`): the configuration a host grants a guest, and the
// context that serves the guest's calls inside that grant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"

namespace ws::engine::wasi {

// How paths under a preopened directory resolve.
enum class ResolveMode {
  // Nothing may leave the directory: `..` above it, an absolute symlink or a symlink chain
  // that would leave it fails with ENOTCAPABLE (the runner's `--dir`).
  kBeneath,
  // The directory is the guest's root, as with chroot: `..` stops at it and absolute symlinks
  // resolve inside it (a container's `/`, whose images contain such links).
  kInRoot,
};

struct PreopenDir {
  std::string guest_path;  // as the guest sees it: "/", "/data", "."
  std::string host_path;   // a directory on the host
  bool read_only = false;  // every write through this preopen fails with ENOTCAPABLE
  ResolveMode mode = ResolveMode::kBeneath;
};

struct WasiConfig {
  std::vector<std::string> args;  // argv; args[0] is the program name
  std::vector<std::string> env;   // "KEY=VALUE" entries, in order
  // Guest descriptors 3.. in this order, then `listen_sockets` after them.
  std::vector<PreopenDir> dirs;
  // Host descriptors of listening sockets (duplicated by create(); the caller keeps its own).
  std::vector<int> listen_sockets;
  // Host descriptors for guest fds 0, 1, 2 (duplicated by create()): files, pipes, FIFOs,
  // terminals, sockets. A negative value gives the guest /dev/null there.
  int stdin_fd = 0;
  int stdout_fd = 1;
  int stderr_fd = 2;
  // Most descriptors the guest's table may hold, stdio and preopens included (a container's
  // RLIMIT_NOFILE); 0 keeps the engine's own bound (65536). Opening more fails with EMFILE.
  uint32_t max_fds = 0;
};

// The state of one guest: its descriptor table, arguments and environment. Not thread-safe:
// one context serves one instance's calls.
class WasiContext {
 public:
  // Opens every preopen (NOT_FOUND / INVALID_ARGUMENT naming the host path when one is missing
  // or not a directory) and duplicates the stdio and socket descriptors.
  static absl::StatusOr<std::unique_ptr<WasiContext>> create(const WasiConfig& config);
  ~WasiContext();

  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Defines every function of wasi_snapshot_preview1 in `linker` as host functions of
  // `store`. The context must outlive every call into instances linked against them.
  void define(Store& store, Linker& linker);

 private:
  struct State;
  explicit WasiContext(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ws::engine::wasi
