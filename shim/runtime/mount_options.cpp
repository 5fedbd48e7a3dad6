// OCI / containerd mount options as mount(2) arguments, and one mount with its remount.
#include "shim/runtime/mount_options.h"

#include <sys/mount.h>

#include <cerrno>
#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shim/runtime/fd.h"

namespace ws::shim {
namespace {

struct FlagOption {
  absl::string_view name;
  bool clear;
  unsigned long flag;
};

// The options runc understands (libcontainer/specconv mountPropagationMapping and flags).
constexpr FlagOption kFlags[] = {
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"bind", false, MS_BIND},
    {"defaults", false, 0},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"rbind", false, MS_BIND | MS_REC},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
};

constexpr FlagOption kPropagation[] = {
    {"private", false, MS_PRIVATE},       {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},         {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},           {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE}, {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

}  // namespace

bool MountArgs::bind() const { return (flags & MS_BIND) != 0; }

unsigned long MountArgs::remount_flags() const {
  return MS_REMOUNT | MS_BIND | (flags & ~(MS_BIND | MS_REC | MS_REMOUNT));
}

MountArgs parse_mount_options(const std::string& type, const std::vector<std::string>& options) {
  MountArgs out;
  if (type == "bind") out.flags |= MS_BIND;
  std::vector<absl::string_view> data;
  for (const std::string& o : options) {
    bool known = false;
    for (const FlagOption& f : kFlags) {
      if (o != f.name) continue;
      out.flags = f.clear ? out.flags & ~f.flag : out.flags | f.flag;
      known = true;
    }
    for (const FlagOption& p : kPropagation) {
      if (o != p.name) continue;
      out.propagation = p.flag;
      known = true;
    }
    if (!known) data.push_back(o);
  }
  out.data = absl::StrJoin(data, ",");
  return out;
}

absl::Status mount_at(const MountSpec& m, const TargetFn& target, const std::string& target_name) {
  MountArgs args = parse_mount_options(m.type, m.options);
  const char* type = args.bind() ? nullptr : m.type.c_str();
  unsigned long first = args.bind() ? args.flags & (MS_BIND | MS_REC) : args.flags;
  absl::StatusOr<std::string> path = target();
  if (!path.ok()) return path.status();
  if (::mount(m.source.c_str(), path->c_str(), type, first,
              args.data.empty() ? nullptr : args.data.c_str()) != 0) {
    return errno_status(errno, absl::StrCat("mount ", m.type.empty() ? "bind" : m.type, " ",
                                            m.source, " on ", target_name));
  }
  auto undo = [&](int err, absl::string_view what) {
    if (absl::StatusOr<std::string> p = target(); p.ok()) ::umount2(p->c_str(), MNT_DETACH);
    return errno_status(err, absl::StrCat(what, " ", target_name));
  };
  std::vector<unsigned long> steps;
  if (args.bind() && args.remount_flags() != (MS_REMOUNT | MS_BIND)) {
    steps.push_back(args.remount_flags());
  }
  if (args.propagation != 0) steps.push_back(args.propagation);
  for (unsigned long flags : steps) {
    path = target();
    if (!path.ok()) return undo(EIO, "resolve the new mount on");
    if (::mount(nullptr, path->c_str(), nullptr, flags, nullptr) != 0) {
      return undo(errno,
                  (flags & MS_REMOUNT) ? "remount with its options" : "set the propagation of");
    }
  }
  return absl::OkStatus();
}

}  // namespace ws::shim
