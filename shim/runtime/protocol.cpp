// Length-prefixed frames over the shim <-> instance socketpair.
#include "shim/runtime/protocol.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "shim/runtime/fd.h"

namespace ws::shim {
namespace {

constexpr uint32_t kMaxFrame = 16u << 20;

void put_field(std::string& out, absl::string_view field) {
  uint32_t n = static_cast<uint32_t>(field.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof(n));
  out.append(field.data(), field.size());
}

bool take_field(absl::string_view& in, std::string& field) {
  uint32_t n;
  if (in.size() < sizeof(n)) return false;
  std::memcpy(&n, in.data(), sizeof(n));
  in.remove_prefix(sizeof(n));
  if (in.size() < n) return false;
  field.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

absl::Status send_frame(int fd, const std::vector<std::string>& fields) {
  std::string body;
  for (const std::string& f : fields) put_field(body, f);
  std::string frame;
  put_field(frame, body);
  absl::string_view rest = frame;
  while (!rest.empty()) {
    ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status(errno, "send to the instance process");
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Reads exactly `n` bytes; false on EOF or error.
bool read_exact(int fd, char* data, size_t n) {
  while (n > 0) {
    ssize_t got = ::read(fd, data, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// `required` fields, then up to `optional` more that a peer of an older build may not send
// (empty then); fields beyond them (a newer peer's) are ignored.
absl::StatusOr<std::vector<std::string>> recv_frame(int fd, size_t required, size_t optional = 0) {
  uint32_t n;
  if (!read_exact(fd, reinterpret_cast<char*>(&n), sizeof(n))) {
    return absl::UnavailableError("the peer closed the sync socket");
  }
  if (n > kMaxFrame) return absl::InternalError("sync socket: frame too large");
  std::string body(n, '\0');
  if (!read_exact(fd, body.data(), n)) return absl::UnavailableError("sync socket: short frame");
  std::vector<std::string> fields(required + optional);
  absl::string_view rest = body;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i >= required && rest.empty()) break;
    if (!take_field(rest, fields[i])) return absl::InternalError("sync socket: malformed frame");
  }
  return fields;
}

// A one-byte message with room for one descriptor (SCM_RIGHTS), for sendmsg and recvmsg.
struct OneByteWithFd {
  explicit OneByteWithFd(char b) : byte(b) {
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
  }
  OneByteWithFd(const OneByteWithFd&) = delete;
  OneByteWithFd& operator=(const OneByteWithFd&) = delete;
  char byte;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
};

}  // namespace

absl::Status send_setup(int fd, const InstanceSetup& s) {
  return send_frame(
      fd, {s.id, s.bundle, absl::StrCat(s.init_pid), s.process_json, s.terminal ? "1" : "0",
           absl::StrJoin(s.join_files, std::string(1, '\0'))});
}

absl::StatusOr<InstanceSetup> recv_setup(int fd) {
  // The join files are new: a shim of the previous build (an exec into a container it started
  // before an upgrade) sends five fields, and adds the process to the cgroup itself.
  absl::StatusOr<std::vector<std::string>> f = recv_frame(fd, 5, 1);
  if (!f.ok()) return f.status();
  InstanceSetup s;
  s.id = (*f)[0];
  s.bundle = (*f)[1];
  if (!absl::SimpleAtoi((*f)[2], &s.init_pid)) return absl::InternalError("setup: bad init pid");
  s.process_json = (*f)[3];
  s.terminal = (*f)[4] == "1";
  if (!(*f)[5].empty()) s.join_files = absl::StrSplit((*f)[5], '\0');
  return s;
}

absl::Status send_ready(int fd, const absl::Status& status, int fill_fd, bool joined) {
  absl::Status s =
      send_frame(fd, {absl::StrCat(static_cast<int>(status.code())), std::string(status.message()),
                      fill_fd >= 0 ? "1" : "0", joined ? "1" : "0"});
  if (!s.ok() || fill_fd < 0) return s;
  // The descriptor rides on one byte of its own.
  OneByteWithFd m('F');
  cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fill_fd, sizeof(int));
  ssize_t n;
  do {
    n = ::sendmsg(fd, &m.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return errno_status(errno, "send the module to the shim");
  return absl::OkStatus();
}

absl::Status recv_ready(int fd, UniqueFd* fill, bool* joined) {
  // An instance of the previous build sends no "joined" field: it joined nothing.
  absl::StatusOr<std::vector<std::string>> f = recv_frame(fd, 3, 1);
  if (!f.ok()) {
    return absl::InternalError("the instance process exited before it was ready");
  }
  int code;
  if (!absl::SimpleAtoi((*f)[0], &code)) return absl::InternalError("ready: bad status code");
  if (joined != nullptr) *joined = (*f)[3] == "1";
  if ((*f)[2] == "1") {
    OneByteWithFd m(0);
    ssize_t n;
    do {
      n = ::recvmsg(fd, &m.msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n != 1) return absl::InternalError("ready: the module for the cache fill did not arrive");
    cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
    if (c != nullptr && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int))) {
      int got;
      std::memcpy(&got, CMSG_DATA(c), sizeof(int));
      UniqueFd owned(got);
      if (fill != nullptr) *fill = std::move(owned);
    }
  }
  return absl::Status(static_cast<absl::StatusCode>(code), (*f)[1]);
}

absl::Status send_start(int fd) {
  char go = 'S';
  ssize_t n;
  do {
    n = ::send(fd, &go, 1, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return errno_status(errno, "send the start signal");
  return absl::OkStatus();
}

bool recv_start(int fd) {
  char go = 0;
  return read_exact(fd, &go, 1) && go == 'S';
}

}  // namespace ws::shim
