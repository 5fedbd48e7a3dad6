// Background cache fill: double fork + setsid so the fill is reparented away from the caller
// and outlives it, idle scheduling so it only uses spare CPU, and no inherited descriptors so
// that nobody waiting for the caller's pipes (a shell, containerd's FIFOs) waits for the fill.
#include "engine/cache_fill.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ws::engine {
namespace {

constexpr int kLockFd = 3;  // where the fill keeps the lock (everything above is closed)

// In the grandchild: stdio to /dev/null, the lock on fd 3, nothing else open; lowest priority.
void detach_fds(int lock_fd) {
  lock_fd = fcntl(lock_fd, F_DUPFD, kLockFd + 1);  // out of the way of stdio and fd 3
  if (lock_fd < 0) _exit(120);
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) _exit(120);
  for (int fd = 0; fd < 3; ++fd) {
    if (dup2(null_fd, fd) < 0) _exit(120);
  }
  if (dup2(lock_fd, kLockFd) < 0) _exit(120);
  if (syscall(SYS_close_range, kLockFd + 1, ~0U, 0) != 0) {
    for (int fd = kLockFd + 1; fd < 65536; ++fd) close(fd);
  }
  sched_param param{};
  sched_setscheduler(0, SCHED_IDLE, &param);
  setpriority(PRIO_PROCESS, 0, 19);
}

}  // namespace

std::string cache_fill_lock_path(const std::string& cache_dir, const std::string& digest) {
  return absl::StrCat(cache_dir, "/.fill-", digest, ".lock");
}

absl::StatusOr<int> start_cache_fill(const std::string& cache_dir, const std::string& digest,
                                     const std::function<int()>& fill) {
  std::string lock_path = cache_fill_lock_path(cache_dir, digest);
  int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open ", lock_path, ": ", strerror(errno)));
  }
  // flock belongs to the open file description: the fill inherits it, and it is released when
  // the last process holding the description (the fill) exits, however it exits.
  // A few tries: a tier-up's probe (engine/tier_up.cpp) holds a shared lock for an instant,
  // which must not pass for a fill in progress.
  int locked = -1;
  for (int attempt = 0; attempt < 5 && locked != 0; ++attempt) {
    if (attempt > 0) usleep(2000);
    locked = flock(lock_fd, LOCK_EX | LOCK_NB);
    if (locked != 0 && errno != EWOULDBLOCK) break;
  }
  if (locked != 0) {
    int err = errno;
    close(lock_fd);
    if (err == EWOULDBLOCK) return 0;
    return absl::InternalError(absl::StrCat("cannot lock ", lock_path, ": ", strerror(err)));
  }
  int pid_pipe[2];
  if (pipe2(pid_pipe, O_CLOEXEC) != 0) {
    close(lock_fd);
    return absl::InternalError(absl::StrCat("pipe for the cache fill failed: ", strerror(errno)));
  }
  pid_t child = fork();
  if (child < 0) {
    int err = errno;
    close(lock_fd);
    close(pid_pipe[0]);
    close(pid_pipe[1]);
    return absl::InternalError(absl::StrCat("fork of the cache fill failed: ", strerror(err)));
  }
  if (child == 0) {
    setsid();
    pid_t grandchild = fork();
    if (grandchild == 0) {
      detach_fds(lock_fd);
      _exit(fill());
    }
    int32_t reported = grandchild > 0 ? grandchild : 0;
    (void)!write(pid_pipe[1], &reported, sizeof reported);
    _exit(0);
  }
  close(pid_pipe[1]);
  close(lock_fd);  // the fill holds the lock now
  int32_t fill_pid = 0;
  ssize_t n;
  do {
    n = read(pid_pipe[0], &fill_pid, sizeof fill_pid);
  } while (n < 0 && errno == EINTR);
  close(pid_pipe[0]);
  while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (n != sizeof fill_pid || fill_pid <= 0) {
    return absl::InternalError("fork of the cache fill failed");
  }
  return static_cast<int>(fill_pid);
}

}  // namespace ws::engine
