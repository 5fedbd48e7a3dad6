// Namespaces (setns/unshare) and the spec's mounts inside a container's root.
#include "shim/runtime/container_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "shim/runtime/in_root.h"
#include "shim/runtime/mount_options.h"

namespace ws::shim {
namespace {

struct NsKind {
  absl::string_view oci;   // linux.namespaces[].type
  absl::string_view proc;  // /proc/<pid>/ns/<proc>
  int flag;
};

constexpr NsKind kJoinable[] = {
    {"network", "net", CLONE_NEWNET},
    {"ipc", "ipc", CLONE_NEWIPC},
    {"uts", "uts", CLONE_NEWUTS},
};

// linux.namespaces[index] as Create reports a fault of it: INVALID_ARGUMENT for what the config
// asks (a missing path, a file that is not that namespace), PERMISSION_DENIED, else INTERNAL.
absl::Status namespace_error(const absl::Status& s, size_t index) {
  absl::StatusCode code = absl::StatusCode::kInternal;
  switch (s.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case absl::StatusCode::kPermissionDenied:
      code = absl::StatusCode::kPermissionDenied;
      break;
    default:
      break;
  }
  return absl::Status(code,
                      absl::StrCat("config.json: linux.namespaces[", index, "]: ", s.message()));
}

absl::Status not_a_namespace(const std::string& path, const NsKind& kind) {
  return absl::InvalidArgumentError(absl::StrCat(path, " is not a ", kind.oci, " namespace"));
}

// The path is looked at through O_PATH first (no open() side effect: a FIFO would block, a
// device would be opened); only a file of nsfs is then opened for setns, which refuses O_PATH.
absl::Status join_ns(const std::string& path, const NsKind& kind) {
  UniqueFd handle(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!handle.valid()) {
    return errno_status(errno, absl::StrCat("open the ", kind.oci, " namespace ", path));
  }
  struct statfs fs {};
  if (::fstatfs(handle.get(), &fs) != 0) {
    return errno_status(errno, absl::StrCat("statfs the ", kind.oci, " namespace ", path));
  }
  if (fs.f_type != NSFS_MAGIC) return not_a_namespace(path, kind);
  std::string reopen = absl::StrCat("/proc/self/fd/", handle.get());
  UniqueFd fd(::open(reopen.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!fd.valid()) {
    return errno_status(errno, absl::StrCat("open the ", kind.oci, " namespace ", path));
  }
  // NS_GET_NSTYPE (Linux 4.11) names the wrong type before setns; older kernels: setns's EINVAL.
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type >= 0 && type != kind.flag) return not_a_namespace(path, kind);
  if (::setns(fd.get(), kind.flag) != 0) {
    if (errno == EINVAL) return not_a_namespace(path, kind);
    return errno_status(errno, absl::StrCat("join the ", kind.oci, " namespace ", path));
  }
  return absl::OkStatus();
}

// A new network namespace has only `lo`, and it is down: up it goes, as runc does, so that
// 127.0.0.1 works inside the container.
absl::Status loopback_up() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return errno_status(errno, "socket for the loopback interface");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) {
    return errno_status(errno, "read the flags of lo in the new network namespace");
  }
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) {
    return errno_status(errno, "bring up lo in the new network namespace");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status enter_namespaces(const oci::Spec& spec) {
  for (size_t i = 0; i < spec.linux.namespaces.size(); ++i) {
    if (spec.linux.namespaces[i].type == "user") {
      // Running a pod that asked for its own user namespace (CRI's hostUsers: false) with the
      // host's ids would be a silent security downgrade: refused before anything is entered.
      return absl::UnimplementedError(absl::StrCat(
          "config.json: linux.namespaces[", i,
          "]: user namespaces are not supported (the container would run with host ids)"));
    }
  }
  for (size_t i = 0; i < spec.linux.namespaces.size(); ++i) {
    const oci::Namespace& ns = spec.linux.namespaces[i];
    for (const NsKind& kind : kJoinable) {
      if (ns.type != kind.oci) continue;
      if (!ns.path.empty()) {
        if (absl::Status s = join_ns(ns.path, kind); !s.ok()) return namespace_error(s, i);
        continue;
      }
      if (::unshare(kind.flag) != 0) {
        return errno_status(errno, absl::StrCat("create a ", kind.oci, " namespace"));
      }
      if (kind.flag == CLONE_NEWNET) {
        if (absl::Status s = loopback_up(); !s.ok()) return s;
      }
      if (kind.flag == CLONE_NEWUTS && !spec.hostname.empty() &&
          ::sethostname(spec.hostname.data(), spec.hostname.size()) != 0) {
        return errno_status(errno, absl::StrCat("set the hostname ", spec.hostname));
      }
    }
  }
  return absl::OkStatus();
}

namespace {

absl::Status apply_mount(int root_fd, const std::string& bundle, const oci::PlannedMount& p) {
  const oci::Mount& m = p.mount;
  MountArgs args = parse_mount_options(m.type, m.options);
  MountSpec spec{m.type, m.source, m.options};
  bool file = false;
  if (args.bind()) {
    if (!spec.source.empty() && spec.source[0] != '/') spec.source = bundle + "/" + spec.source;
    struct stat st;
    if (::stat(spec.source.c_str(), &st) != 0) {
      return errno_status(errno,
                          absl::StrCat("mount source ", spec.source, " for ", m.destination));
    }
    file = !S_ISDIR(st.st_mode);
  }
  absl::StatusOr<UniqueFd> made = make_in_root(root_fd, p.destination, file);
  if (!made.ok()) {
    return absl::Status(
        made.status().code(),
        absl::StrCat("mount point ", m.destination, " in the rootfs: ", made.status().message()));
  }
  UniqueFd target;
  TargetFn resolve = [&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<UniqueFd> fd = open_in_root(root_fd, p.destination, O_PATH);
    if (!fd.ok()) return fd.status();
    target = std::move(*fd);
    return fd_path(target.get());
  };
  return mount_at(spec, resolve, m.destination);
}

absl::StatusOr<UniqueFd> open_root(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_status(errno, absl::StrCat("open the rootfs ", path));
  return fd;
}

struct RlimitName {
  absl::string_view name;
  int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

absl::Status set_rlimit(const oci::Rlimit& l) {
  for (const RlimitName& r : kRlimits) {
    if (l.type != r.name) continue;
    rlimit value{static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)};
    if (::setrlimit(static_cast<__rlimit_resource>(r.resource), &value) != 0) {
      return errno_status(errno, absl::StrCat("set ", l.type));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("config.json: process.rlimits: unknown type ", l.type));
}

bool same_ns(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

}  // namespace

std::string rootfs_path(const std::string& bundle, const oci::Spec& spec) {
  if (!spec.root.path.empty() && spec.root.path[0] == '/') return spec.root.path;
  return bundle + "/" + spec.root.path;
}

absl::Status mount_error(const absl::Status& s, size_t index) {
  absl::StatusCode code;
  switch (s.code()) {
    case absl::StatusCode::kNotFound:            // ENOENT: a missing source
    case absl::StatusCode::kInvalidArgument:     // EINVAL: options the kernel refuses
    case absl::StatusCode::kFailedPrecondition:  // ENOTDIR, EISDIR, ELOOP: a file for a directory
      code = absl::StatusCode::kInvalidArgument;
      break;
    case absl::StatusCode::kPermissionDenied:  // EACCES, EPERM
      code = absl::StatusCode::kPermissionDenied;
      break;
    default:  // EBUSY, ENOMEM, EMFILE...: the host's fault, not the config's
      code = absl::StatusCode::kInternal;
  }
  return absl::Status(code, absl::StrCat("config.json: mounts[", index, "]: ", s.message()));
}

absl::StatusOr<ContainerRoot> setup_init_container(const std::string& bundle, const oci::Spec& spec,
                                                   const std::vector<oci::PlannedMount>& mounts) {
  if (absl::Status s = enter_namespaces(spec); !s.ok()) return s;
  if (::unshare(CLONE_NEWNS) != 0) return errno_status(errno, "create a mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return errno_status(errno, "make / rslave in the container's mount namespace");
  }
  ContainerRoot root{rootfs_path(bundle, spec), {}};
  // Its own mount: the read-only remount then touches the rootfs and nothing else.
  if (::mount(root.path.c_str(), root.path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return errno_status(errno, absl::StrCat("bind the rootfs ", root.path, " onto itself"));
  }
  absl::StatusOr<UniqueFd> fd = open_root(root.path);
  if (!fd.ok()) return fd.status();
  root.fd = std::move(*fd);
  for (const oci::PlannedMount& m : mounts) {
    if (absl::Status s = apply_mount(root.fd.get(), bundle, m); !s.ok()) {
      return mount_error(s, m.index);
    }
  }
  if (spec.root.readonly && ::mount(nullptr, root.path.c_str(), nullptr,
                                    MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    return errno_status(errno, absl::StrCat("make the rootfs ", root.path, " read-only"));
  }
  return root;
}

absl::Status apply_oom_score_adj(const oci::Process& process) {
  if (!process.oom_score_adj) return absl::OkStatus();
  std::string value = absl::StrCat(*process.oom_score_adj);
  UniqueFd fd(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  absl::Status s = fd.valid() ? write_all(fd.get(), value, "write /proc/self/oom_score_adj")
                              : errno_status(errno, "open /proc/self/oom_score_adj");
  if (s.ok()) return s;
  absl::StatusCode code = s.code() == absl::StatusCode::kPermissionDenied
                              ? absl::StatusCode::kPermissionDenied
                              : absl::StatusCode::kInvalidArgument;
  return absl::Status(code,
                      absl::StrCat("config.json: process.oomScoreAdj: ", value, ": ", s.message()));
}

absl::Status apply_process_identity(const oci::Process& process) {
  for (const oci::Rlimit& l : process.rlimits) {
    if (absl::Status s = set_rlimit(l); !s.ok()) return s;
  }
  if (process.uid == 0 && process.gid == 0) return absl::OkStatus();
  if (::setgroups(0, nullptr) != 0) return errno_status(errno, "drop supplementary groups");
  if (::setgid(process.gid) != 0) {
    return errno_status(errno, absl::StrCat("set the group id ", process.gid));
  }
  if (::setuid(process.uid) != 0) {
    return errno_status(errno, absl::StrCat("set the user id ", process.uid));
  }
  return absl::OkStatus();
}

absl::StatusOr<ContainerRoot> join_container(const std::string& bundle, const oci::Spec& spec,
                                             uint32_t init_pid) {
  struct Join {
    absl::string_view name;
    int flag;
    UniqueFd fd;
  };
  Join joins[] = {{"net", CLONE_NEWNET, {}},
                  {"ipc", CLONE_NEWIPC, {}},
                  {"uts", CLONE_NEWUTS, {}},
                  {"mnt", CLONE_NEWNS, {}}};
  // Every descriptor first: /proc of the current mount namespace names them all.
  for (Join& j : joins) {
    std::string theirs = absl::StrCat("/proc/", init_pid, "/ns/", j.name);
    if (same_ns(theirs, absl::StrCat("/proc/self/ns/", j.name))) continue;
    j.fd.reset(::open(theirs.c_str(), O_RDONLY | O_CLOEXEC));
    if (!j.fd.valid()) return errno_status(errno, absl::StrCat("open ", theirs));
  }
  for (Join& j : joins) {
    if (j.fd.valid() && ::setns(j.fd.get(), j.flag) != 0) {
      return errno_status(errno,
                          absl::StrCat("join the ", j.name, " namespace of process ", init_pid));
    }
  }
  ContainerRoot root{rootfs_path(bundle, spec), {}};
  absl::StatusOr<UniqueFd> fd = open_root(root.path);
  if (!fd.ok()) return fd.status();
  root.fd = std::move(*fd);
  return root;
}

}  // namespace ws::shim
