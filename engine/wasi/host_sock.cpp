// sock_accept, sock_recv, sock_send, sock_shutdown on the listening sockets the host granted
// (WasiConfig::listen_sockets) and the connections accepted from them.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "engine/wasi/errno_map.h"
#include "engine/wasi/host.h"

namespace ws::engine::wasi::host {

Errno sock_accept(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kSockAccept, e);
  if (err != Errno::kSuccess) return err;
  uint32_t flags = c.u32(1);
  if ((flags & ~uint32_t{fdflags::kNonblock}) != 0) return Errno::kInval;
  if (!c.mem.in_bounds(c.u32(2), sizeof(uint32_t))) return Errno::kFault;
  err = wait_ready(c, *e, POLLIN);
  if (err != Errno::kSuccess) return err;
  int sock_flags = SOCK_CLOEXEC | ((flags & fdflags::kNonblock) ? SOCK_NONBLOCK : 0);
  int fd = retry_eintr(c, [&] { return accept4(e->fd.get(), nullptr, nullptr, sock_flags); });
  if (fd < 0) return last_errno();
  auto conn = std::make_unique<FdEntry>();
  conn->fd.reset(fd);
  conn->kind = FdKind::kSocket;
  conn->rights_base = rights::kSocket;
  conn->may_block = true;
  uint32_t guest_fd;
  err = c.env.fds.insert(std::move(conn), guest_fd);
  if (err != Errno::kSuccess) return err;
  c.mem.store(c.u32(2), guest_fd);
  return Errno::kSuccess;
}

Errno sock_recv(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdRead, e);
  if (err != Errno::kSuccess) return err;
  uint32_t ri = c.u32(3);
  if ((ri & ~uint32_t{riflags::kRecvPeek | riflags::kRecvWaitall}) != 0) return Errno::kInval;
  std::vector<struct iovec> iov;
  err = gather_iovecs(c.mem, c.u32(1), c.u32(2), iov);
  if (err != Errno::kSuccess) return err;
  if (!c.mem.in_bounds(c.u32(4), 4) || !c.mem.in_bounds(c.u32(5), 2)) return Errno::kFault;
  err = wait_ready(c, *e, POLLIN);
  if (err != Errno::kSuccess) return err;
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  int flags =
      ((ri & riflags::kRecvPeek) ? MSG_PEEK : 0) | ((ri & riflags::kRecvWaitall) ? MSG_WAITALL : 0);
  ssize_t n = retry_eintr(c, [&] { return recvmsg(e->fd.get(), &msg, flags); });
  if (n < 0) return last_errno();
  c.mem.store(c.u32(4), static_cast<uint32_t>(n));
  uint16_t ro = (msg.msg_flags & MSG_TRUNC) ? kRoflagsRecvDataTruncated : 0;
  c.mem.store(c.u32(5), ro);
  return Errno::kSuccess;
}

// MSG_NOSIGNAL: a peer that went away is EPIPE for the guest, never SIGPIPE for the host.
Errno sock_send(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kFdWrite, e);
  if (err != Errno::kSuccess) return err;
  if (c.u32(3) != 0) return Errno::kInval;  // no siflags are defined
  std::vector<struct iovec> iov;
  err = gather_iovecs(c.mem, c.u32(1), c.u32(2), iov);
  if (err != Errno::kSuccess) return err;
  if (!c.mem.in_bounds(c.u32(4), 4)) return Errno::kFault;
  err = wait_ready(c, *e, POLLOUT);
  if (err != Errno::kSuccess) return err;
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n = retry_eintr(c, [&] { return sendmsg(e->fd.get(), &msg, MSG_NOSIGNAL); });
  if (n < 0) return last_errno();
  c.mem.store(c.u32(4), static_cast<uint32_t>(n));
  return Errno::kSuccess;
}

Errno sock_shutdown(Call& c) {
  FdEntry* e;
  Errno err = lookup_fd(c, c.u32(0), rights::kSockShutdown, e);
  if (err != Errno::kSuccess) return err;
  uint32_t how = c.u32(1);
  if (how == 0 || how > (sdflags::kRd | sdflags::kWr)) return Errno::kInval;
  int host_how = how == sdflags::kRd ? SHUT_RD : how == sdflags::kWr ? SHUT_WR : SHUT_RDWR;
  return shutdown(e->fd.get(), host_how) == 0 ? Errno::kSuccess : last_errno();
}

}  // namespace ws::engine::wasi::host
