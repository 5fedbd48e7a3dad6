// How a failed mount is reported: the config's faults, permissions and host faults apart.
#include "shim/runtime/container_setup.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "shim/runtime/fd.h"

namespace ws::shim {
namespace {

TEST(MountError, ConfigFaultsPermissionsAndHostFaultsApart) {
  struct Case {
    int err;
    absl::StatusCode code;
  };
  for (const Case& c :
       {Case{ENOENT, absl::StatusCode::kInvalidArgument},
        Case{ENOTDIR, absl::StatusCode::kInvalidArgument},
        Case{EINVAL, absl::StatusCode::kInvalidArgument},
        Case{EACCES, absl::StatusCode::kPermissionDenied},
        Case{EPERM, absl::StatusCode::kPermissionDenied}, Case{EBUSY, absl::StatusCode::kInternal},
        Case{ENOMEM, absl::StatusCode::kInternal}, Case{EMFILE, absl::StatusCode::kInternal}}) {
    SCOPED_TRACE(c.err);
    absl::Status s = mount_error(errno_status(c.err, "mount /src on /dst"), 2);
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_EQ(s.message().rfind("config.json: mounts[2]: mount /src on /dst: ", 0), 0u) << s;
  }
}

}  // namespace
}  // namespace ws::shim
