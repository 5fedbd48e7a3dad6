// Command lines as containerd 1.6, 1.7 and 2.x write them, and hostile variations.
#include "shim/cli/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ws::shim {
namespace {

using ::testing::ElementsAre;

TEST(Flags, ContainerdStart) {
  absl::StatusOr<Flags> f =
      parse_flags({"-namespace", "default", "-address", "/run/containerd/containerd.sock",
                   "-publish-binary", "/usr/bin/containerd", "-id", "c1", "-debug", "start"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->ns, "default");
  EXPECT_EQ(f->address, "/run/containerd/containerd.sock");
  EXPECT_EQ(f->publish_binary, "/usr/bin/containerd");
  EXPECT_EQ(f->id, "c1");
  EXPECT_TRUE(f->debug);
  EXPECT_EQ(f->action, "start");
}

TEST(Flags, ContainerdDeleteAndServe) {
  absl::StatusOr<Flags> d =
      parse_flags({"-namespace", "k8s.io", "-address", "/a", "-publish-binary", "/b", "-id", "c2",
                   "-bundle", "/run/x/c2", "delete"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->bundle, "/run/x/c2");
  EXPECT_EQ(d->action, "delete");
  absl::StatusOr<Flags> s = parse_flags({"-namespace=default", "-id=c1", "--address", "/a"});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->action, "");
  EXPECT_EQ(s->ns, "default");
  EXPECT_EQ(s->address, "/a");
}

TEST(Flags, VersionInfoAndBooleans) {
  EXPECT_TRUE(parse_flags({"-v"})->version);
  EXPECT_TRUE(parse_flags({"--version"})->version);
  EXPECT_TRUE(parse_flags({"-info"})->info);
  EXPECT_FALSE(parse_flags({"-debug=false", "start"})->debug);
  EXPECT_FALSE(parse_flags({"-debug=maybe"}).ok());
}

TEST(Flags, UnknownFlagsAreIgnored) {
  absl::StatusOr<Flags> f =
      parse_flags({"-systemd-cgroup", "-new-thing", "value", "-id", "c1", "-other=1", "start"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->id, "c1");
  EXPECT_EQ(f->action, "start");
  EXPECT_THAT(f->ignored, ElementsAre("-systemd-cgroup", "-new-thing", "value", "-other=1"));
  // An unknown flag right before the action does not swallow it.
  EXPECT_EQ(parse_flags({"-x", "delete"})->action, "delete");
}

TEST(Flags, Errors) {
  EXPECT_FALSE(parse_flags({"-id"}).ok());
  absl::StatusOr<Flags> bad = parse_flags({"-id", "c1", "explode"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown action \"explode\" (expected start or delete)");
}

}  // namespace
}  // namespace ws::shim
