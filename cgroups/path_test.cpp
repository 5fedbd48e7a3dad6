// cgroupsPath forms: cgroupfs, systemd slice:prefix:name, the default.
#include "cgroups/path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ws::cgroups {
namespace {

TEST(Path, Forms) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"/a/b", "/a/b"},
      {"a/b", "/a/b"},
      {"//a/./b/", "/a/b"},
      {"", "/default/c1"},
      {"system.slice:docker:abc", "/system.slice/docker-abc.scope"},
      {":cri-containerd:abc", "/system.slice/cri-containerd-abc.scope"},
      {"kubepods-besteffort-pod1.slice:cri-containerd:abc",
       "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/"
       "cri-containerd-abc.scope"},
      {"-.slice:p:abc", "/p-abc.scope"},
      {"user.slice::abc", "/user.slice/abc.scope"},
      {"machine.slice:x:sub.slice", "/machine.slice/sub.slice"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::string> got = resolve_path(c.in, "default", "c1");
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
    EXPECT_EQ(*got, c.want) << c.in;
  }
}

TEST(Path, Invalid) {
  for (const char* bad : {"/a/../b", "..", "/", "bad:slice:x", "a.slice:p:", "a--b.slice:p:x",
                          "a:b", "a.slice:p/q:x"}) {
    absl::StatusOr<std::string> got = resolve_path(bad, "default", "c1");
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(got.status().message()), ::testing::HasSubstr("linux.cgroupsPath"))
        << bad;
  }
  EXPECT_EQ(*resolve_path("", "", "c1"), "/wasmshim/c1");
  EXPECT_FALSE(resolve_path("", "default", "").ok());
  EXPECT_FALSE(resolve_path("", "default", "../x").ok());
}

TEST(Path, ExpandSlice) {
  EXPECT_EQ(*expand_slice("a-b-c.slice"), "/a.slice/a-b.slice/a-b-c.slice");
  EXPECT_EQ(*expand_slice("-.slice"), "/");
  EXPECT_FALSE(expand_slice("foo").ok());
}

}  // namespace
}  // namespace ws::cgroups
