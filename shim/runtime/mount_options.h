// One OCI mount made with mount(2): the mount, the remount its flags need, its propagation.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "oci/mount_options.h"

namespace ws::shim {

using oci::MountArgs;
using oci::parse_mount_options;

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
