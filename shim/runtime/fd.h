// An owned file descriptor and errno -> absl::Status helpers for the runtime's system calls.
#pragma once

#include <unistd.h>

#include <utility>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace ws::shim {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// INTERNAL (or a closer code for common errnos) "<what>: <strerror(err)>".
absl::Status errno_status(int err, absl::string_view what);

// Writes all of `data`; retries on EINTR and short writes.
absl::Status write_all(int fd, absl::string_view data, absl::string_view what);

}  // namespace ws::shim
