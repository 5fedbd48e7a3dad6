// A guest process's stdio as containerd names it (FIFO paths, file:// URIs, nothing, or a
// terminal): the descriptors the instance process gets as 0-2, and what the shim keeps to serve
// CloseIO and ResizePty.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shim/runtime/copier.h"
#include "shim/runtime/fd.h"
#include "shim/task/runtime.h"

namespace ws::shim {

class ProcessIo {
 public:
  struct WindowSize {
    uint32_t width = 0;
    uint32_t height = 0;
  };

  // Opens every stream. stdout/stderr FIFOs are opened read-write (never blocks, and the FIFO
  // keeps a reader while containerd reconnects); stdin is fed through a pipe by a copier thread
  // (a FIFO stays open until close_stdin()); a terminal is a pty whose master stays here.
  // UNIMPLEMENTED for binary:// loggers.
  static absl::StatusOr<std::unique_ptr<ProcessIo>> open(const Stdio& stdio,
                                                         std::optional<WindowSize> size);
  ~ProcessIo();

  // Descriptors 0, 1, 2 for the instance process (valid until spawned()).
  std::array<int, 3> child_fds() const;
  // The instance process holds its ends now: drop the shim's copies and start copying.
  void spawned();

  // Ends the guest's stdin once containerd's writer has finished: EOF after the data.
  absl::Status close_stdin();
  absl::Status resize(uint32_t width, uint32_t height);
  // Waits (at most `timeout`) until a terminal's output has reached stdout: called after the
  // process exited, so its exit is reported after its last output.
  void drain_output(absl::Duration timeout);
  // Stops every copier and closes everything.
  void shutdown();

 private:
  ProcessIo() = default;
  absl::Status open_plain(const Stdio& stdio);
  absl::Status open_terminal(const Stdio& stdio, std::optional<WindowSize> size);

  std::array<UniqueFd, 3> child_;  // the instance's 0-2 until spawned()
  UniqueFd stdin_src_;             // what the stdin copier reads (FIFO or file)
  UniqueFd stdin_dst_;             // where it writes (the guest's pipe, or the pty master)
  UniqueFd stdin_keepalive_;       // a writer of the stdin FIFO until close_stdin()
  UniqueFd master_;                // the pty master (terminal only)
  UniqueFd out_dst_;               // terminal: where the master's output goes
  std::mutex mu_;                  // the copiers: drain_output() runs on the reaper thread
  std::shared_ptr<Copier> in_copier_;
  std::shared_ptr<Copier> out_copier_;
};

}  // namespace ws::shim
