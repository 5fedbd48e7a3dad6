// Opening containerd's stdio URIs, the stdin pipe and the pty, and the copiers between them.
#include "shim/runtime/stdio.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

#include <cerrno>
#include <filesystem>
#include "absl/strings/string_view.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ws::shim {
namespace {

absl::StatusOr<UniqueFd> open_path(const std::string& path, int flags, absl::string_view what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, absl::StrCat(what, " ", path));
  return UniqueFd(fd);
}

absl::Status check_supported(const std::string& uri, absl::string_view what) {
  if (absl::StartsWith(uri, "binary://") || absl::StartsWith(uri, "binary-v2://")) {
    return absl::UnimplementedError(
        absl::StrCat(what, " ", uri, ": logging binaries (binary://) are not supported"));
  }
  return absl::OkStatus();
}

std::string fifo_path(const std::string& uri) {
  return absl::StartsWith(uri, "fifo://") ? uri.substr(7) : uri;
}

absl::StatusOr<UniqueFd> open_output(const std::string& uri, absl::string_view what) {
  if (uri.empty()) return open_path("/dev/null", O_WRONLY, what);
  if (absl::Status s = check_supported(uri, what); !s.ok()) return s;
  if (absl::StartsWith(uri, "file://")) {
    std::filesystem::path path = uri.substr(7);
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    return open_path(path, O_WRONLY | O_CREAT | O_APPEND, what);
  }
  // Read-write: opening never waits for a reader, and the FIFO does not break while the
  // client's reader reconnects.
  return open_path(fifo_path(uri), O_RDWR, what);
}

absl::StatusOr<UniqueFd> dup_fd(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return errno_status(errno, "duplicate a stdio descriptor");
  return UniqueFd(copy);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessIo>> ProcessIo::open(const Stdio& stdio,
                                                           std::optional<WindowSize> size) {
  std::unique_ptr<ProcessIo> io(new ProcessIo());
  if (!stdio.in.empty()) {
    const std::string& in = stdio.in;
    if (absl::Status s = check_supported(in, "stdin"); !s.ok()) return s;
    bool file = absl::StartsWith(in, "file://");
    std::string path = file ? in.substr(7) : fifo_path(in);
    // No writer of our own: when the client closes its end (ctr does at the end of its stdin;
    // it sends no CloseIO), poll() reports POLLHUP and the copier ends the guest's stdin. Before
    // the client has opened the FIFO, poll() reports nothing, so an early open is no EOF.
    absl::StatusOr<UniqueFd> src = open_path(path, O_RDONLY | O_NONBLOCK, "stdin");
    if (!src.ok()) return src.status();
    io->stdin_src_ = std::move(*src);
  }
  absl::Status s = stdio.terminal ? io->open_terminal(stdio, size) : io->open_plain(stdio);
  if (!s.ok()) return s;
  return io;
}

absl::Status ProcessIo::open_plain(const Stdio& stdio) {
  if (stdin_src_.valid()) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return errno_status(errno, "create the stdin pipe");
    child_[0].reset(p[0]);
    stdin_dst_.reset(p[1]);
  } else {
    absl::StatusOr<UniqueFd> null = open_path("/dev/null", O_RDONLY, "stdin");
    if (!null.ok()) return null.status();
    child_[0] = std::move(*null);
  }
  absl::StatusOr<UniqueFd> out = open_output(stdio.out, "stdout");
  if (!out.ok()) return out.status();
  absl::StatusOr<UniqueFd> err = open_output(stdio.err, "stderr");
  if (!err.ok()) return err.status();
  child_[1] = std::move(*out);
  child_[2] = std::move(*err);
  return absl::OkStatus();
}

absl::Status ProcessIo::open_terminal(const Stdio& stdio, std::optional<WindowSize> size) {
  master_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!master_.valid()) return errno_status(errno, "open a pty master");
  char name[128];
  if (::grantpt(master_.get()) != 0 || ::unlockpt(master_.get()) != 0 ||
      ::ptsname_r(master_.get(), name, sizeof(name)) != 0) {
    return errno_status(errno, "unlock the pty");
  }
  if (size) {
    if (absl::Status s = resize(size->width, size->height); !s.ok()) return s;
  }
  absl::StatusOr<UniqueFd> slave = open_path(name, O_RDWR | O_NOCTTY, "pty slave");
  if (!slave.ok()) return slave.status();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<UniqueFd> copy = dup_fd(slave->get());
    if (!copy.ok()) return copy.status();
    child_[i] = std::move(*copy);
  }
  absl::StatusOr<UniqueFd> out = open_output(stdio.out, "stdout");
  if (!out.ok()) return out.status();
  out_dst_ = std::move(*out);
  if (stdin_src_.valid()) {
    absl::StatusOr<UniqueFd> dst = dup_fd(master_.get());
    if (!dst.ok()) return dst.status();
    stdin_dst_ = std::move(*dst);
  }
  return absl::OkStatus();
}

ProcessIo::~ProcessIo() { shutdown(); }

std::array<int, 3> ProcessIo::child_fds() const {
  return {child_[0].get(), child_[1].get(), child_[2].get()};
}

void ProcessIo::spawned() {
  for (UniqueFd& fd : child_) fd.reset();
  std::lock_guard<std::mutex> lock(mu_);
  if (stdin_src_.valid()) {
    in_copier_ = std::make_shared<Copier>(std::move(stdin_src_), std::move(stdin_dst_));
  }
  if (master_.valid()) {
    absl::StatusOr<UniqueFd> src = dup_fd(master_.get());
    if (src.ok()) out_copier_ = std::make_shared<Copier>(std::move(*src), std::move(out_dst_));
  }
}

absl::Status ProcessIo::close_stdin() {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_copier_) {
    in_copier_->cancel();  // closes the guest's end: it reads EOF
  } else {
    stdin_src_.reset();
    stdin_dst_.reset();
  }
  return absl::OkStatus();
}

absl::Status ProcessIo::resize(uint32_t width, uint32_t height) {
  if (!master_.valid()) {
    return absl::FailedPreconditionError("resize: the process has no terminal");
  }
  winsize ws{};
  ws.ws_col = static_cast<unsigned short>(width);
  ws.ws_row = static_cast<unsigned short>(height);
  if (::ioctl(master_.get(), TIOCSWINSZ, &ws) != 0) return errno_status(errno, "TIOCSWINSZ");
  return absl::OkStatus();
}

void ProcessIo::drain_output(absl::Duration timeout) {
  std::shared_ptr<Copier> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out = out_copier_;
  }
  if (out) out->wait(timeout);
}

void ProcessIo::shutdown() {
  std::shared_ptr<Copier> in, out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    in = std::move(in_copier_);
    out = std::move(out_copier_);
  }
  if (in) in->cancel();
  if (out) out->cancel();
  in.reset();  // joins unless drain_output() still holds it; its owner joins then
  out.reset();
  for (UniqueFd& fd : child_) fd.reset();
  stdin_src_.reset();
  stdin_dst_.reset();
  out_dst_.reset();
  master_.reset();
}

}  // namespace ws::shim
