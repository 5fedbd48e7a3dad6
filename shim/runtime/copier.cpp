// The copy loop: non-blocking descriptors, poll() on data and on an eventfd that cancels.
#include "shim/runtime/copier.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

namespace ws::shim {

Copier::Copier(UniqueFd src, UniqueFd dst)
    : src_(std::move(src)), dst_(std::move(dst)), cancel_(::eventfd(0, EFD_CLOEXEC)) {
  for (int fd : {src_.get(), dst_.get()}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  thread_ = std::thread([this] { run(); });
}

Copier::~Copier() {
  cancel();
  thread_.join();
}

void Copier::cancel() {
  uint64_t one = 1;
  if (cancel_.valid()) (void)!::write(cancel_.get(), &one, sizeof(one));
}

bool Copier::wait(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return done_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [this] { return done_; });
}

// False when cancelled or the descriptor failed.
bool Copier::wait_ready(int fd, short events) {
  pollfd p[2] = {{fd, events, 0}, {cancel_.get(), POLLIN, 0}};
  for (;;) {
    int n = ::poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || p[1].revents != 0) return false;
    // POLLHUP with POLLIN still has data to read; read() reports the end.
    return p[0].revents != 0;
  }
}

void Copier::run() {
  // A reader that went away must give EPIPE here, not a SIGPIPE that ends the shim.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  char buf[32 * 1024];
  for (bool open = true; open;) {
    if (!wait_ready(src_.get(), POLLIN)) break;
    ssize_t n = ::read(src_.get(), buf, sizeof(buf));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // EOF, or EIO from a pty master whose slave side is all closed
    for (ssize_t off = 0; off < n;) {
      ssize_t w = ::write(dst_.get(), buf + off, static_cast<size_t>(n - off));
      if (w >= 0) {
        off += w;
      } else if (errno == EAGAIN) {
        if (!wait_ready(dst_.get(), POLLOUT)) open = false;
      } else if (errno != EINTR) {
        open = false;
      }
      if (!open) break;
    }
  }
  dst_.reset();
  src_.reset();
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  done_cv_.notify_all();
}

}  // namespace ws::shim
