// Unix-domain socket plumbing for ttrpc: addresses, listen, connect with timeout, full writes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ws::shim::ttrpc {

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// The filesystem path of "unix:///path" or "/path"; INVALID_ARGUMENT for other schemes, empty
// paths and paths longer than sockaddr_un allows.
absl::StatusOr<std::string> socket_path(std::string_view address);

// Binds and listens (close-on-exec). A stale socket file nobody accepts on is replaced;
// ALREADY_EXISTS when a live server holds the address.
absl::StatusOr<UniqueFd> listen_unix(std::string_view address, int backlog = 128);

// Connects within `timeout`; UNAVAILABLE when nobody listens, DEADLINE_EXCEEDED on timeout.
absl::StatusOr<UniqueFd> connect_unix(std::string_view address, absl::Duration timeout);

// Writes all of `data` (no SIGPIPE); UNAVAILABLE when the peer is gone, DEADLINE_EXCEEDED when
// the peer stops reading until `deadline` (`*written` then tells how much went out).
absl::Status write_all(int fd, std::string_view data, absl::Time deadline = absl::InfiniteFuture(),
                       size_t* written = nullptr);

}  // namespace ws::shim::ttrpc
