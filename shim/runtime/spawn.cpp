// posix_spawn with descriptor remapping, default signal state and closefrom; pidfd signalling.
#include "shim/runtime/spawn.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace ws::shim {
namespace {

constexpr int kHighFd = 64;

// Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks extern "C".
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}  // sources are moved above every target before the dup2 actions

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

struct Attributes {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  std::vector<UniqueFd> high;  // O_CLOEXEC copies of the sources, closed after the spawn
  Attributes() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~Attributes() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
};

absl::Status prepare(const SpawnRequest& r, Attributes& a) {
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (r.new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&a.attr, flags);
  posix_spawnattr_setsigmask(&a.attr, &none);
  posix_spawnattr_setsigdefault(&a.attr, &all);
  for (size_t i = 0; i < r.fds.size(); ++i) {
    int high = ::fcntl(r.fds[i], F_DUPFD_CLOEXEC, kHighFd);
    if (high < 0) return errno_status(errno, absl::StrCat("duplicate descriptor ", r.fds[i]));
    a.high.emplace_back(high);
    posix_spawn_file_actions_adddup2(&a.actions, high, static_cast<int>(i));
  }
  posix_spawn_file_actions_addclosefrom_np(&a.actions, static_cast<int>(r.fds.size()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Spawned> spawn_process(const SpawnRequest& r) {
  if (r.fds.size() >= kHighFd) return absl::InvalidArgumentError("spawn: too many descriptors");
  auto a = std::make_unique<Attributes>();
  if (absl::Status s = prepare(r, *a); !s.ok()) return s;
  std::vector<char*> argv = c_strings(r.argv);
  std::vector<char*> env = c_strings(r.env);
  Spawned out;
  int err = ::posix_spawn(&out.pid, r.path.c_str(), &a->actions, &a->attr, argv.data(), env.data());
  if (err != 0) return errno_status(err, absl::StrCat("spawn ", r.path));
  int pidfd = pidfd_open(out.pid);
  if (pidfd < 0) {
    // Cannot happen for our own unreaped child short of descriptor exhaustion.
    int open_err = errno;
    ::kill(out.pid, SIGKILL);
    return errno_status(open_err, absl::StrCat("pidfd_open for ", r.path));
  }
  out.pidfd.reset(pidfd);
  return out;
}

absl::Status signal_process(const Spawned& process, int signal) {
  if (pidfd_send_signal(process.pidfd.get(), signal) != 0) {
    if (errno == ESRCH) {
      return absl::NotFoundError(absl::StrCat("process ", process.pid, " has already exited"));
    }
    return errno_status(errno, absl::StrCat("signal ", signal, " to process ", process.pid));
  }
  return absl::OkStatus();
}

namespace {

// A directory with anything in it (the loader finds nothing in an empty one, nor in its
// hardware-capability subdirectories, which would be entries).
bool has_entries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  bool any = false;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      any = true;
      break;
    }
  }
  ::closedir(d);
  return any;
}

}  // namespace

std::vector<std::string> program_environment(char* const* env) {
  const std::string kLibraryPath = "LD_LIBRARY_PATH=";
  std::vector<std::string> out;
  for (char* const* e = env; e != nullptr && *e != nullptr; ++e) {
    std::string var(*e);
    if (var.compare(0, kLibraryPath.size(), kLibraryPath) != 0) {
      out.push_back(std::move(var));
      continue;
    }
    std::string kept;
    size_t pos = kLibraryPath.size();
    for (;;) {
      size_t end = var.find_first_of(":;", pos);  // the loader splits on both
      std::string dir = var.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      // $ORIGIN, $LIB, $PLATFORM: the loader's to expand, kept as they are.
      bool token = dir.find('$') != std::string::npos;
      if (token || (!dir.empty() && dir[0] == '/' && has_entries(dir))) {
        kept += (kept.empty() ? "" : ":") + dir;
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    if (!kept.empty()) out.push_back(kLibraryPath + kept);
  }
  return out;
}

}  // namespace ws::shim
