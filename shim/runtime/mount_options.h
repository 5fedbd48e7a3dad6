// OCI / containerd mount options ("ro", "rbind", "nosuid", "lowerdir=...") as mount(2) arguments.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ws::shim {

struct MountArgs {
  unsigned long flags = 0;        // MS_* for the first mount(2) (MS_BIND, MS_REC, MS_RDONLY, ...)
  unsigned long propagation = 0;  // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC)
  std::string data;               // filesystem-specific options, comma-separated

  bool bind() const;
  // A bind mount ignores every flag but MS_BIND|MS_REC: the others need a remount.
  unsigned long remount_flags() const;
};

// Parses options the way runc does; unknown options become filesystem data. `type` "bind"
// implies MS_BIND.
MountArgs parse_mount_options(const std::string& type, const std::vector<std::string>& options);

struct MountSpec {
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

// Names the mount point for one mount(2) call: a plain path, or /proc/self/fd/N of a freshly
// resolved descriptor (after a mount the old descriptor still names the covered directory, so
// each step resolves again). The path stays valid until the next call.
using TargetFn = std::function<absl::StatusOr<std::string>()>;

// Mounts `m` onto the target: the mount, a flags remount for binds (a bind ignores MS_RDONLY
// and friends), then the propagation change. Errors name the source and `target_name`.
absl::Status mount_at(const MountSpec& m, const TargetFn& target, const std::string& target_name);

}  // namespace ws::shim
