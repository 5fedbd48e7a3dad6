// OCI / containerd mount options as mount(2) flags, propagation and data (runc's table).
#include "oci/mount_options.h"

#include <sys/mount.h>

#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace ws::oci {
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

bool MountArgs::read_only() const { return (flags & MS_RDONLY) != 0; }

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

}  // namespace ws::oci
