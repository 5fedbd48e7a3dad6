// Mount options -> mount(2) flags, propagation and data.
#include "oci/mount_options.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

namespace ws::oci {
namespace {

TEST(MountOptions, OverlayOptionsAreData) {
  MountArgs a = parse_mount_options("overlay",
                                    {"index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"});
  EXPECT_EQ(a.flags, 0u);
  EXPECT_EQ(a.propagation, 0u);
  EXPECT_EQ(a.data, "index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2");
  EXPECT_FALSE(a.bind());
}

TEST(MountOptions, RbindReadOnlyNeedsARemount) {
  MountArgs a = parse_mount_options("none", {"rbind", "ro", "nosuid", "rprivate"});
  EXPECT_TRUE(a.bind());
  EXPECT_EQ(a.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(a.propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
  EXPECT_EQ(a.remount_flags(),
            static_cast<unsigned long>(MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID));
  EXPECT_EQ(a.data, "");
}

TEST(MountOptions, BindTypeImpliesBindAndLaterOptionsWin) {
  MountArgs a = parse_mount_options("bind", {"ro", "rw", "nodev", "dev"});
  EXPECT_EQ(a.flags, static_cast<unsigned long>(MS_BIND));
  EXPECT_EQ(a.remount_flags(), static_cast<unsigned long>(MS_REMOUNT | MS_BIND));
}

TEST(MountOptions, TmpfsKeepsSizeAndModeAsData) {
  MountArgs a = parse_mount_options("tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"});
  EXPECT_EQ(a.flags, static_cast<unsigned long>(MS_NOSUID | MS_STRICTATIME));
  EXPECT_EQ(a.data, "mode=755,size=65536k");
}

}  // namespace
}  // namespace ws::oci
