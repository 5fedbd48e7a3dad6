// Numeric addresses only (the annotation refuses names): inet_pton, socket, bind, listen.
#include "shim/runtime/listen.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ws::shim {
namespace {

absl::StatusOr<UniqueFd> open_listener(const oci::ListenAddress& a) {
  std::string where = absl::StrCat("config.json: annotations.\"", oci::kListenAnnotation,
                                   "\": ", a.host, " port ", a.port);
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, a.host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(a.port);
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, a.host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(a.port);
    len = sizeof(sockaddr_in6);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not a numeric address"));
  }
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return errno_status(errno, absl::StrCat(where, ": socket"));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": bind: ", std::strerror(errno)));
  }
  if (::listen(fd.get(), 128) != 0) return errno_status(errno, absl::StrCat(where, ": listen"));
  return fd;
}

}  // namespace

absl::StatusOr<std::vector<UniqueFd>> open_listeners(const std::vector<oci::ListenAddress>& addrs) {
  std::vector<UniqueFd> out;
  for (const oci::ListenAddress& a : addrs) {
    absl::StatusOr<UniqueFd> fd = open_listener(a);
    if (!fd.ok()) return fd.status();
    out.push_back(std::move(*fd));
  }
  return out;
}

}  // namespace ws::shim
