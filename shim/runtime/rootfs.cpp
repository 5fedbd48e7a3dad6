// Rootfs mounts onto <bundle>/rootfs and their undoing.
#include "shim/runtime/rootfs.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "shim/runtime/fd.h"
#include "shim/runtime/mount_options.h"

namespace ws::shim {

absl::StatusOr<std::unique_ptr<RootfsMounts>> RootfsMounts::mount(
    const std::vector<RootfsMount>& mounts, const std::string& rootfs) {
  std::unique_ptr<RootfsMounts> out(new RootfsMounts());
  if (mounts.empty()) return out;
  if (::mkdir(rootfs.c_str(), 0711) != 0 && errno != EEXIST) {
    return errno_status(errno, absl::StrCat("create the rootfs directory ", rootfs));
  }
  for (const RootfsMount& m : mounts) {
    std::string target = m.target.empty() ? rootfs : absl::StrCat(rootfs, "/", m.target);
    if (::mkdir(target.c_str(), 0755) != 0 && errno != EEXIST) {
      return errno_status(errno, absl::StrCat("create the mount point ", target));
    }
    absl::Status s = mount_at(
        MountSpec{m.type, m.source, m.options},
        [&]() -> absl::StatusOr<std::string> { return target; }, target);
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("rootfs: ", s.message()));
    }
    out->targets_.push_back(target);
  }
  return out;
}

RootfsMounts::~RootfsMounts() { unmount().IgnoreError(); }

absl::Status RootfsMounts::unmount() {
  absl::Status result;
  while (!targets_.empty()) {
    const std::string& target = targets_.back();
    if (::umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && result.ok()) {
      result = errno_status(errno, absl::StrCat("unmount the rootfs ", target));
    }
    targets_.pop_back();
  }
  return result;
}

}  // namespace ws::shim
