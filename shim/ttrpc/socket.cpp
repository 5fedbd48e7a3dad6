// Unix-domain socket plumbing (see socket.h).
#include "shim/ttrpc/socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "shim/ttrpc/absl_compat.h"

namespace ws::shim::ttrpc {
namespace {

constexpr std::string_view kUnixScheme = "unix://";

std::string errno_text(int err) { return std::strerror(err); }

absl::StatusOr<sockaddr_un> make_addr(std::string_view address) {
  auto path = socket_path(address);
  if (!path.ok()) return path.status();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path->data(), path->size());
  return addr;
}

absl::StatusOr<UniqueFd> new_socket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return absl::InternalError(absl::StrCat("socket: ", errno_text(errno)));
  return fd;
}

// True when something accepts connections on `addr` (a live server, not a stale file).
bool someone_listens(const sockaddr_un& addr) {
  auto fd = new_socket();
  if (!fd.ok()) return false;
  return ::connect(fd->get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int UniqueFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

absl::StatusOr<std::string> socket_path(std::string_view address) {
  std::string_view path = address;
  if (path.starts_with(kUnixScheme)) {
    path.remove_prefix(kUnixScheme.size());
  } else if (path.find("://") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("address ", av(address), ": only unix:// sockets are supported"));
  }
  if (path.empty()) return absl::InvalidArgumentError("empty socket address");
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path ", av(path), " is longer than ",
                                                   sizeof(sockaddr_un::sun_path) - 1, " bytes"));
  }
  return std::string(path);
}

absl::StatusOr<UniqueFd> listen_unix(std::string_view address, int backlog) {
  auto addr = make_addr(address);
  if (!addr.ok()) return addr.status();
  auto fd = new_socket();
  if (!fd.ok()) return fd.status();
  auto bind_once = [&] {
    return ::bind(fd->get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
  };
  if (bind_once() != 0) {
    int err = errno;
    if (err != EADDRINUSE) {
      return absl::InternalError(absl::StrCat("bind ", addr->sun_path, ": ", errno_text(err)));
    }
    if (someone_listens(*addr)) {
      return absl::AlreadyExistsError(
          absl::StrCat("bind ", addr->sun_path, ": a server already listens there"));
    }
    ::unlink(addr->sun_path);
    if (bind_once() != 0) {
      return absl::InternalError(absl::StrCat(
          "bind ", addr->sun_path, " after removing a stale socket: ", errno_text(errno)));
    }
  }
  if (::listen(fd->get(), backlog) != 0) {
    return absl::InternalError(absl::StrCat("listen ", addr->sun_path, ": ", errno_text(errno)));
  }
  return fd;
}

absl::StatusOr<UniqueFd> connect_unix(std::string_view address, absl::Duration timeout) {
  auto addr = make_addr(address);
  if (!addr.ok()) return addr.status();
  auto fd = new_socket();
  if (!fd.ok()) return fd.status();
  int flags = ::fcntl(fd->get(), F_GETFL);
  ::fcntl(fd->get(), F_SETFL, flags | O_NONBLOCK);
  int rc;
  do {
    rc = ::connect(fd->get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EAGAIN && errno != EINPROGRESS) {
    return absl::UnavailableError(
        absl::StrCat("connect ", addr->sun_path, ": ", errno_text(errno)));
  }
  if (rc != 0) {  // the listener's backlog is full: wait until it accepts or time runs out
    absl::Time deadline = absl::Now() + timeout;
    for (;;) {
      pollfd p{fd->get(), POLLOUT, 0};
      int wait_ms =
          static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
      int n = ::poll(&p, 1, wait_ms);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {
        return absl::DeadlineExceededError(absl::StrCat(
            "connect ", addr->sun_path, ": no answer within ", absl::FormatDuration(timeout)));
      }
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        return absl::UnavailableError(
            absl::StrCat("connect ", addr->sun_path, ": ", errno_text(err)));
      }
      break;
    }
  }
  ::fcntl(fd->get(), F_SETFL, flags);
  return fd;
}

absl::Status write_all(int fd, std::string_view data, absl::Time deadline, size_t* written) {
  size_t done = 0;
  if (written != nullptr) *written = 0;
  const bool bounded = deadline != absl::InfiniteFuture();
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done,
                       MSG_NOSIGNAL | (bounded ? MSG_DONTWAIT : 0));
    if (n >= 0) {
      done += static_cast<size_t>(n);
      if (written != nullptr) *written = done;
      continue;
    }
    if (errno == EINTR) continue;
    if (bounded && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
      if (wait_ms <= 0) {
        return absl::DeadlineExceededError(absl::StrCat("write: the peer did not read ",
                                                        data.size() - done, " more bytes in time"));
      }
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, static_cast<int>(std::min<int64_t>(wait_ms, 1000)));
      continue;
    }
    return absl::UnavailableError(absl::StrCat("write: ", errno_text(errno)));
  }
  return absl::OkStatus();
}

}  // namespace ws::shim::ttrpc
