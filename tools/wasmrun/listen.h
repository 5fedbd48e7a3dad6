// Listening TCP sockets for --tcplisten.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "tools/wasmrun/options.h"

namespace ws::tools {

// A descriptor the caller closes.
class OwnedFd {
 public:
  explicit OwnedFd(int fd = -1) : fd_(fd) {}
  ~OwnedFd();
  OwnedFd(OwnedFd&& o) noexcept : fd_(o.release()) {}
  OwnedFd& operator=(OwnedFd&& o) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Creates, binds (SO_REUSEADDR) and listens on a TCP socket for `addr` (the first address the
// name resolves to). UNAVAILABLE naming the address and the failing call otherwise.
absl::StatusOr<OwnedFd> open_listener(const ListenAddress& addr);

}  // namespace ws::tools
