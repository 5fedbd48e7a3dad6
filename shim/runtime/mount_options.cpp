// One OCI mount with mount(2): the mount, its remount and its propagation.
#include "shim/runtime/mount_options.h"

#include <sys/mount.h>

#include <cerrno>
#include "absl/strings/str_cat.h"
#include "shim/runtime/fd.h"

namespace ws::shim {
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
