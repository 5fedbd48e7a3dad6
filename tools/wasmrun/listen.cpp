// --tcplisten: getaddrinfo, socket, bind, listen.
#include "tools/wasmrun/listen.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace ws::tools {

OwnedFd::~OwnedFd() {
  if (fd_ >= 0) close(fd_);
}

OwnedFd& OwnedFd::operator=(OwnedFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.release();
  }
  return *this;
}

absl::StatusOr<OwnedFd> open_listener(const ListenAddress& addr) {
  std::string where = absl::StrCat("--tcplisten ", addr.host, ":", addr.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(addr.port);
  if (int rc = getaddrinfo(addr.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return absl::UnavailableError(absl::StrCat(where, ": ", gai_strerror(rc)));
  }
  addrinfo first = *found;
  sockaddr_storage sa{};
  std::memcpy(&sa, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);

  OwnedFd fd(socket(first.ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0)
    return absl::UnavailableError(absl::StrCat(where, ": socket: ", strerror(errno)));
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), first.ai_addrlen) != 0) {
    return absl::UnavailableError(absl::StrCat(where, ": bind: ", strerror(errno)));
  }
  if (listen(fd.get(), 128) != 0) {
    return absl::UnavailableError(absl::StrCat(where, ": listen: ", strerror(errno)));
  }
  return fd;
}

}  // namespace ws::tools
