// OCI / containerd mount options ("ro", "rbind", "nosuid", "lowerdir=...") as mount(2) arguments.
#pragma once

#include <string>
#include <vector>

namespace ws::oci {

struct MountArgs {
  unsigned long flags = 0;        // MS_* for the first mount(2) (MS_BIND, MS_REC, MS_RDONLY, ...)
  unsigned long propagation = 0;  // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC)
  std::string data;               // filesystem-specific options, comma-separated

  bool bind() const;
  bool read_only() const;
  // A bind mount ignores every flag but MS_BIND|MS_REC: the others need a remount.
  unsigned long remount_flags() const;
};

// Parses options the way runc does; unknown options become filesystem data. `type` "bind"
// implies MS_BIND.
MountArgs parse_mount_options(const std::string& type, const std::vector<std::string>& options);

}  // namespace ws::oci
