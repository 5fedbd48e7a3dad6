// `start`: socket naming, the live-shim check, the address file and the detached server.
#include "shim/cli/bootstrap.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "support/sha256.h"

namespace ws::shim {
namespace {

absl::Status errno_status(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

absl::Status mkdir_p(const std::string& dir, mode_t mode) {
  std::string at;
  for (absl::string_view part : absl::StrSplit(dir, '/', absl::SkipEmpty())) {
    at += "/" + std::string(part);
    if (mkdir(at.c_str(), mode) != 0 && errno != EEXIST) return errno_status("mkdir " + at);
  }
  return absl::OkStatus();
}

sockaddr_un unix_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof(a.sun_path) - 1));
  return a;
}

bool shim_alive(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un a = unix_addr(path);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  close(fd);
  return ok;
}

// A listening socket at `path`, or -1 with errno EADDRINUSE when one is bound there.
absl::StatusOr<int> bind_listener(const std::string& path) {
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", path));
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_status("socket");
  sockaddr_un a = unix_addr(path);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    if (e == EADDRINUSE) return -1;
    return errno_status("bind " + path);
  }
  if (chmod(path.c_str(), 0600) != 0 || listen(fd, 128) != 0) {
    absl::Status s = errno_status("listen " + path);
    close(fd);
    unlink(path.c_str());
    return s;
  }
  return fd;
}

// The flags of the server for `address`: start's own, with the socket and protocol it serves.
Flags server_flags(const Flags& flags, const std::string& address, const std::string& protocol) {
  Flags f = flags;
  f.action.clear();
  f.args.clear();
  f.socket = address;
  f.protocol = protocol;
  return f;
}

// Spawns the server. `fd3` becomes the child's fd 3: the listening socket (ttrpc) or a
// readiness pipe (grpc). kExec: fork then at once exec `self`. kFork: the child returns true
// (it is the server now); the caller must then return at once, closing nothing. Until the exec
// or the return, the child makes async-signal-safe calls only.
absl::StatusOr<bool> spawn_server(const Flags& flags, const std::string& bundle,
                                  const std::string& self, const std::string& address,
                                  const std::string& protocol, int fd3, ServerLaunch launch) {
  std::vector<std::string> args = {self, "-namespace", flags.ns, "-id", flags.id};
  for (const auto& [k, v] : {std::pair<const char*, const std::string&>{"-address", flags.address},
                             {"-publish-binary", flags.publish_binary},
                             {"-socket", address},
                             {"-protocol", protocol}}) {
    args.push_back(k);
    args.push_back(v);
  }
  if (flags.debug) args.push_back("-debug");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0) return errno_status("open /dev/null");
  rlimit nofile{};
  int max_fd = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (1u << 20)
                   ? static_cast<int>(nofile.rlim_cur)
                   : (1 << 20);
  pid_t pid = fork();
  if (pid < 0) {
    close(devnull);
    return errno_status("fork");
  }
  if (pid == 0) {
    if (chdir(bundle.c_str()) != 0) _exit(126);
    setsid();
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
    if (fd3 == 3) {
      fcntl(3, F_SETFD, 0);
    } else {
      dup2(fd3, 3);  // dup2 clears close-on-exec on the copy
    }
    if (launch == ServerLaunch::kFork) {
      // What the exec would have closed (every descriptor of `start` is close-on-exec): the
      // server starts with 0-3 only, as an exec'd one did.
      if (close_range(4, ~0U, 0) != 0) {  // kernels before 5.9, seccomp filters
        for (int fd = 4; fd < max_fd; ++fd) close(fd);
      }
      return true;
    }
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  close(devnull);
  return false;
}

}  // namespace

std::string group_key(const oci::Spec& spec, const std::string& id) {
  for (const char* key : {"io.containerd.runc.v2.group", oci::kCriSandboxIdAnnotation}) {
    std::string v = spec.annotation(key);
    if (!v.empty()) return v;
  }
  return id;
}

std::string clean_path(const std::string& path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (p == ".") continue;
    if (p == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.emplace_back("..");
      }
      continue;
    }
    parts.emplace_back(p);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

std::string socket_address(const std::string& containerd_address, const std::string& ns,
                           const std::string& group, const std::string& dir) {
  std::string key = clean_path(absl::StrCat(containerd_address, "/", ns, "/", group));
  return absl::StrCat("unix://", dir, "/", support::sha256_hex(key));
}

absl::Status write_file_atomically(const std::string& dir, const std::string& name,
                                   const std::string& content) {
  std::string tmp = absl::StrCat(dir, "/.", name, ".tmp");
  std::string path = absl::StrCat(dir, "/", name);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status("create " + tmp);
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    absl::Status s = errno_status("write " + path);
    unlink(tmp.c_str());
    return s;
  }
  return absl::OkStatus();
}

std::string instance_binary_beside(const std::string& self) {
  size_t slash = self.rfind('/');
  if (slash == std::string::npos) return self;
  std::string path = absl::StrCat(self.substr(0, slash + 1), kInstanceBinaryName);
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || access(path.c_str(), X_OK) != 0) {
    return self;
  }
  return path;
}

absl::Status write_address_file(const std::string& bundle, const std::string& address) {
  return write_file_atomically(bundle, "address", address);
}

std::string StartResult::reply() const {
  if (protocol == "grpc") {
    // containerd dials a grpc shim through its own "unix://" + address, so the address goes
    // without the scheme here (with it, 1.7 dials "unix://unix:///...").
    std::string path = address.substr(std::strlen("unix://"));
    return absl::StrCat("{\"version\":2,\"address\":\"", path, "\",\"protocol\":\"grpc\"}");
  }
  return address;
}

bool containerd_takes_grpc_shims(std::string_view v) {
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  if (digits == 0 || digits == v.size() || v[digits] != '.') return true;
  return digits == 1 && v[0] <= '1';
}

namespace {

// grpc: the server binds the socket itself; wait for its readiness byte. True in the forked
// server (kFork), which must return at once.
absl::StatusOr<bool> spawn_grpc_server(const Flags& flags, const std::string& bundle,
                                       const std::string& self, const std::string& address,
                                       ServerLaunch launch) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return errno_status("pipe");
  absl::StatusOr<bool> child = spawn_server(flags, bundle, self, address, "grpc", p[1], launch);
  if (child.ok() && *child) return true;
  close(p[1]);
  absl::Status s = child.status();
  if (s.ok()) {
    pollfd pfd{p[0], POLLIN, 0};
    char c = 0;
    if (poll(&pfd, 1, 10000) != 1 || read(p[0], &c, 1) != 1) {
      s = absl::UnavailableError("start: the grpc shim server did not come up (see the shim log)");
    }
  }
  close(p[0]);
  if (!s.ok()) return s;
  return false;
}

}  // namespace

absl::StatusOr<StartResult> start_shim(const Flags& flags, const std::string& bundle,
                                       const std::string& self, const std::string& protocol,
                                       const std::string& socket_dir, ServerLaunch launch) {
  if (flags.id.empty()) return absl::InvalidArgumentError("start: -id is required");
  if (flags.ns.empty()) return absl::InvalidArgumentError("start: -namespace is required");
  absl::StatusOr<oci::Spec> spec = oci::load_spec(bundle);
  if (!spec.ok()) return spec.status();
  StartResult result;
  result.protocol = protocol;
  result.address = socket_address(flags.address, flags.ns, group_key(*spec, flags.id), socket_dir);
  std::string path = result.address.substr(std::strlen("unix://"));
  if (absl::Status s = mkdir_p(socket_dir, 0711); !s.ok()) return s;
  if (protocol == "grpc") {
    if (!shim_alive(path)) {
      unlink(path.c_str());
      absl::StatusOr<bool> child = spawn_grpc_server(flags, bundle, self, result.address, launch);
      if (!child.ok()) return child.status();
      if (*child) {
        result.server = server_flags(flags, result.address, protocol);
        return result;
      }
      result.spawned = true;
    }
    if (absl::Status s = write_address_file(bundle, result.address); !s.ok()) return s;
    // containerd 1.7 restores shims from bootstrap.json when it exists and otherwise assumes
    // ttrpc at the address file's address; 2.x writes it itself from our reply.
    if (absl::Status s = write_file_atomically(bundle, "bootstrap.json", result.reply()); !s.ok()) {
      return s;
    }
    return result;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<int> fd = bind_listener(path);
    if (!fd.ok()) return fd.status();
    if (*fd < 0) {
      if (shim_alive(path)) {  // the group's shim serves this container too
        if (absl::Status s = write_address_file(bundle, result.address); !s.ok()) return s;
        return result;
      }
      unlink(path.c_str());  // a dead shim's socket
      continue;
    }
    absl::Status s = write_address_file(bundle, result.address);
    if (s.ok()) {
      absl::StatusOr<bool> child =
          spawn_server(flags, bundle, self, result.address, protocol, *fd, launch);
      if (child.ok() && *child) {
        result.server = server_flags(flags, result.address, protocol);
        return result;
      }
      s = child.status();
    }
    close(*fd);
    if (!s.ok()) {
      unlink(path.c_str());
      return s;
    }
    result.spawned = true;
    return result;
  }
  return absl::UnavailableError(absl::StrCat("start: cannot bind ", path));
}

}  // namespace ws::shim
