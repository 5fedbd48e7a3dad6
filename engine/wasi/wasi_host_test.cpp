// Host functions called with raw arguments: guest-memory faults, rights, read-only preopens
// and escapes through rename, link and symlink.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/wasi/harness.h"
#include "engine/wasi/resolver.h"
#include "engine/wasi/test_util.h"

namespace ws::engine::wasi {
namespace {

using testing::exists;
using testing::Harness;
using testing::kErr;
using testing::TempDir;

constexpr int kOk = 0;
constexpr int kFault = kErr(Errno::kFault);
constexpr int kNotcap = kErr(Errno::kNotcapable);
constexpr uint32_t kEnd = 65536;  // the harness has one page of memory

WasiConfig config_with(std::vector<PreopenDir> dirs) {
  WasiConfig c;
  c.args = {"prog", "arg"};
  c.env = {"A=1"};
  c.dirs = std::move(dirs);
  c.stdin_fd = -1;
  c.stdout_fd = -1;
  c.stderr_fd = -1;
  return c;
}

TEST(WasiHost, BadGuestPointersAreEfault) {
  Harness h(config_with({}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.call("args_sizes_get", {kEnd - 2, 0}), kFault);
  EXPECT_EQ(h.call("args_get", {0xFFFFFFF0u, 0}), kFault);
  EXPECT_EQ(h.call("args_get", {0, kEnd - 4}), kFault);  // "prog\0arg\0" does not fit
  EXPECT_EQ(h.call("environ_get", {kEnd, 0}), kFault);
  EXPECT_EQ(h.call("clock_time_get", {1, 0, kEnd - 4}), kFault);
  EXPECT_EQ(h.call("random_get", {kEnd - 10, 11}), kFault);
  EXPECT_EQ(h.call("random_get", {0, kEnd}), kOk);
  // fd_write: iovec array outside, a buffer outside, a buffer whose end wraps, result outside.
  EXPECT_EQ(h.call("fd_write", {1, kEnd - 4, 1, 0}), kFault);
  h.store(0, Iovec{kEnd - 8, 16});
  EXPECT_EQ(h.call("fd_write", {1, 0, 1, 100}), kFault);
  h.store(0, Iovec{0xFFFFFFF0u, 0x20});
  EXPECT_EQ(h.call("fd_write", {1, 0, 1, 100}), kFault);
  h.store(0, Iovec{16, 4});
  EXPECT_EQ(h.call("fd_write", {1, 0, 1, kEnd - 2}), kFault);
  EXPECT_EQ(h.call("fd_write", {1, 0, 1, 100}), kOk);
  EXPECT_EQ(h.call("fd_write", {1, 0, 100000, 100}), kErr(Errno::kInval));  // > IOV_MAX
  EXPECT_EQ(h.call("fd_read", {0, 0, 1, 0xFFFFFFFFu}), kFault);
  EXPECT_EQ(h.call("poll_oneoff", {kEnd - 40, 0, 1, 100}), kFault);
  EXPECT_EQ(h.call("fd_fdstat_get", {1, kEnd - 8}), kFault);
  // The memory is intact and the store still runs.
  EXPECT_EQ(h.call("args_sizes_get", {100, 104}), kOk);
  EXPECT_EQ(h.load<uint32_t>(100), 2u);
  EXPECT_EQ(h.load<uint32_t>(104), 9u);
}

TEST(WasiHost, PathPointersAreEfault) {
  TempDir dir;
  Harness h(config_with({{"/d", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.call("path_open", {3, 0, kEnd - 2, 5, 1, 0, 0, 0, 100}), kFault);
  EXPECT_EQ(h.call("path_create_directory", {3, 0xFFFFFFFFu, 2}), kFault);
  h.put(0, "new");
  EXPECT_EQ(h.call("path_open", {3, 0, 0, 3, 1, ~0ull, ~0ull, 0, kEnd}), kFault);
  EXPECT_FALSE(exists(dir / "new"));  // checked before anything was created
  EXPECT_EQ(h.call("path_symlink", {kEnd, 1, 3, 0, 3}), kFault);
  EXPECT_EQ(h.call("fd_prestat_dir_name", {3, kEnd - 1, 2}), kFault);
  EXPECT_EQ(h.call("fd_readdir", {3, kEnd - 10, 100, 0, 200}), kFault);
}

TEST(WasiHost, PrestatDescribesPreopensOnly) {
  TempDir dir;
  Harness h(config_with({{"/data", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h.call("fd_prestat_get", {3, 100}), kOk);
  Prestat p = h.load<Prestat>(100);
  EXPECT_EQ(p.tag, kPreopentypeDir);
  EXPECT_EQ(p.pr_name_len, 5u);
  EXPECT_EQ(h.call("fd_prestat_dir_name", {3, 200, 4}), kErr(Errno::kNametoolong));
  ASSERT_EQ(h.call("fd_prestat_dir_name", {3, 200, 5}), kOk);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(h.mem() + 200), 5), "/data");
  EXPECT_EQ(h.call("fd_prestat_get", {0, 100}), kErr(Errno::kBadf));
  EXPECT_EQ(h.call("fd_prestat_get", {4, 100}), kErr(Errno::kBadf));
}

class ReadOnly : public ::testing::Test {
 protected:
  ReadOnly()
      : h_(config_with({{"/ro", ro_.path(), true, ResolveMode::kBeneath},
                        {"/rw", rw_.path(), false, ResolveMode::kBeneath}})) {
    testing::write_file(ro_ / "file", "content");
    mkdir((ro_ / "dir").c_str(), 0755);
    testing::write_file(rw_ / "mine", "mine");
  }
  int path_call(const char* fn, std::string_view path) {
    h_.put(Harness::kScratch, path);
    return h_.call(fn, {3, Harness::kScratch, path.size()});
  }
  TempDir ro_, rw_;
  Harness h_;
};

TEST_F(ReadOnly, EveryWriteIsNotCapable) {
  ASSERT_TRUE(h_.ok());
  uint32_t fd;
  EXPECT_EQ(h_.open(3, "new", oflags::kCreat, rights::kFdRead, fd), kNotcap);
  EXPECT_EQ(h_.open(3, "file", oflags::kTrunc, rights::kFdRead, fd), kNotcap);
  EXPECT_EQ(h_.open(3, "file", 0, rights::kFdWrite, fd), kNotcap);
  EXPECT_EQ(h_.open(3, "file", 0, rights::kFdRead, fd, 1, fdflags::kAppend), kNotcap);
  EXPECT_EQ(path_call("path_create_directory", "d2"), kNotcap);
  EXPECT_EQ(path_call("path_unlink_file", "file"), kNotcap);
  EXPECT_EQ(path_call("path_remove_directory", "dir"), kNotcap);
  h_.put(Harness::kScratch, "file");
  h_.put(Harness::kScratch2, "moved");
  EXPECT_EQ(h_.call("path_rename", {3, Harness::kScratch, 4, 3, Harness::kScratch2, 5}), kNotcap);
  EXPECT_EQ(h_.call("path_rename", {3, Harness::kScratch, 4, 4, Harness::kScratch2, 5}), kNotcap);
  EXPECT_EQ(h_.call("path_link", {3, 0, Harness::kScratch, 4, 3, Harness::kScratch2, 5}), kNotcap);
  EXPECT_EQ(h_.call("path_symlink", {Harness::kScratch, 4, 3, Harness::kScratch2, 5}), kNotcap);
  EXPECT_EQ(h_.call("path_filestat_set_times", {3, 0, Harness::kScratch, 4, 0, 0, 2 | 8}), kNotcap);
  // Moving a file from the writable preopen into the read-only one.
  h_.put(Harness::kScratch, "mine");
  EXPECT_EQ(h_.call("path_rename", {4, Harness::kScratch, 4, 3, Harness::kScratch2, 5}), kNotcap);
  // A descriptor opened for reading has no write rights and cannot get them back.
  ASSERT_EQ(h_.open(3, "file", 0, rights::kFdRead | rights::kFdFilestatGet, fd), kOk);
  EXPECT_EQ(h_.call("fd_write", {fd, 0, 0, 100}), kNotcap);
  EXPECT_EQ(h_.call("fd_filestat_set_size", {fd, 0}), kNotcap);
  EXPECT_EQ(h_.call("fd_filestat_set_times", {fd, 0, 0, 2}), kNotcap);
  EXPECT_EQ(h_.call("fd_fdstat_set_rights", {fd, rights::kAll, 0}), kNotcap);
  ASSERT_EQ(h_.call("fd_fdstat_get", {3, 100}), kOk);
  EXPECT_EQ(h_.load<Fdstat>(100).fs_rights_inheriting & rights::kWrites, 0u);
  // Nothing changed on the host.
  EXPECT_EQ(testing::read_file(ro_ / "file"), "content");
  EXPECT_FALSE(exists(ro_ / "new") || exists(ro_ / "d2") || exists(ro_ / "moved"));
  EXPECT_TRUE(exists(ro_ / "dir") && exists(rw_ / "mine"));
}

// Runs the rest of a test body once per resolver backend.
class WasiHostBackends : public ::testing::TestWithParam<ResolveBackend> {
 protected:
  void SetUp() override { set_resolve_backend(GetParam()); }
  void TearDown() override { set_resolve_backend(ResolveBackend::kAuto); }
};

TEST_P(WasiHostBackends, RenameLinkAndSymlinkCannotReachOutside) {
  TempDir top;
  mkdir((top / "in").c_str(), 0755);
  mkdir((top / "out").c_str(), 0755);
  testing::write_file(top / "in/file", "x");
  symlink((top / "out").c_str(), (top / "in/outlink").c_str());
  Harness h(config_with({{"/in", top / "in", false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  uint32_t src = h.put(Harness::kScratch, "file");
  const char* targets[] = {"../out/moved", "outlink/moved", "/tmp/moved"};
  for (std::string_view t : targets) {
    uint32_t dst = h.put(Harness::kScratch2, t);
    EXPECT_EQ(h.call("path_rename", {3, src, 4, 3, dst, t.size()}), kNotcap) << t;
    EXPECT_EQ(h.call("path_link", {3, 0, src, 4, 3, dst, t.size()}), kNotcap) << t;
    EXPECT_EQ(h.call("path_symlink", {src, 4, 3, dst, t.size()}), kNotcap) << t;
    EXPECT_EQ(h.call("path_rename", {3, dst, t.size(), 3, src, 4}), kNotcap) << t;
  }
  // Linking or renaming something outside in, through the symlink: refused as well.
  testing::write_file(top / "out/secret", "s");
  uint32_t out = h.put(Harness::kScratch2, "outlink/secret");
  EXPECT_EQ(h.call("path_link", {3, 1, out, 14, 3, h.put(Harness::kScratch, "got"), 3}), kNotcap);
  // An absolute symlink target is refused under a kBeneath preopen; a relative one is stored.
  h.put(Harness::kScratch, "/etc/passwd");
  EXPECT_EQ(h.call("path_symlink", {Harness::kScratch, 11, 3, h.put(Harness::kScratch2, "l"), 1}),
            kNotcap);
  h.put(Harness::kScratch, "../out/secret");
  EXPECT_EQ(h.call("path_symlink", {Harness::kScratch, 13, 3, Harness::kScratch2, 1}), kOk);
  uint32_t fd;
  EXPECT_EQ(h.open(3, "l", 0, rights::kFdRead, fd), kNotcap);  // and never followed out
  // Metadata through the same routes: stat, set_times, readlink, mkdir, unlink, rmdir.
  for (std::string_view t : {"../out/secret", "outlink/secret", "outlink/../out/secret"}) {
    uint32_t p = h.put(Harness::kScratch, t);
    EXPECT_EQ(h.call("path_filestat_get", {3, 0, p, t.size(), 3000}), kNotcap) << t;
    EXPECT_EQ(h.call("path_filestat_get", {3, 1, p, t.size(), 3000}), kNotcap) << t;
    EXPECT_EQ(h.call("path_filestat_set_times", {3, 1, p, t.size(), 0, 0, 2}), kNotcap) << t;
    EXPECT_EQ(h.call("path_filestat_set_times", {3, 0, p, t.size(), 0, 0, 2}), kNotcap) << t;
    EXPECT_EQ(h.call("path_readlink", {3, p, t.size(), 3000, 64, 3100}), kNotcap) << t;
    EXPECT_EQ(h.call("path_unlink_file", {3, p, t.size()}), kNotcap) << t;
    EXPECT_EQ(h.call("path_create_directory", {3, p, t.size()}), kNotcap) << t;
    EXPECT_EQ(h.call("path_remove_directory", {3, p, t.size()}), kNotcap) << t;
  }
  uint32_t dotdot = h.put(Harness::kScratch, "..");
  EXPECT_EQ(h.call("path_filestat_get", {3, 0, dotdot, 2, 3000}), kNotcap);
  EXPECT_EQ(h.call("path_remove_directory", {3, dotdot, 2}), kNotcap);
  EXPECT_TRUE(exists(top / "in/file") && exists(top / "out/secret"));
  EXPECT_FALSE(exists(top / "out/moved") || exists(top / "in/got"));
}

// A directory fd opened under a preopen: kBeneath makes it its own boundary; kInRoot keeps
// the guest's `/` (its `..` and absolute symlinks reach the rest of the root, no further).
TEST_P(WasiHostBackends, DirectoryDescriptorsKeepTheirPreopensRules) {
  TempDir top;
  mkdir((top / "usr").c_str(), 0755);
  mkdir((top / "etc").c_str(), 0755);
  testing::write_file(top / "etc/x", "etc-x");
  symlink("/etc", (top / "usr/link").c_str());
  for (ResolveMode mode : {ResolveMode::kBeneath, ResolveMode::kInRoot}) {
    Harness h(config_with({{"/", top.path(), false, mode}}));
    ASSERT_TRUE(h.ok());
    uint32_t usr, fd;
    uint64_t dir_rights = rights::kPathOpen | rights::kFdRead | rights::kFdReaddir;
    ASSERT_EQ(h.open(3, "usr", oflags::kDirectory, dir_rights, usr), kOk);
    int up = h.open(usr, "../etc/x", 0, rights::kFdRead, fd);
    int link = h.open(usr, "link/x", 0, rights::kFdRead, fd);
    int abs = h.open(usr, "/etc/x", 0, rights::kFdRead, fd);
    int far = h.open(usr, "../../../etc/passwd", 0, rights::kFdRead, fd);
    if (mode == ResolveMode::kBeneath) {
      EXPECT_EQ(up, kNotcap);
      EXPECT_EQ(link, kNotcap);
      EXPECT_EQ(abs, kNotcap);
      EXPECT_EQ(far, kNotcap);
    } else {
      EXPECT_EQ(up, kOk);
      EXPECT_EQ(link, kOk);
      EXPECT_EQ(abs, kOk);
      EXPECT_EQ(far, kErr(Errno::kNoent));  // <top>/etc/passwd does not exist
    }
  }
}

TEST(WasiHost, RightsOnlyNarrow) {
  TempDir dir;
  testing::write_file(dir / "f", "abc");
  Harness h(config_with({{"/d", dir.path(), false, ResolveMode::kBeneath}}));
  ASSERT_TRUE(h.ok());
  uint32_t fd;
  ASSERT_EQ(h.open(3, "f", 0, rights::kFdRead | rights::kFdSeek | rights::kFdTell, fd), kOk);
  EXPECT_EQ(h.call("fd_fdstat_set_rights", {fd, rights::kFdRead | rights::kFdTell, 0}), kOk);
  EXPECT_EQ(h.call("fd_seek", {fd, 1, whence::kSet, 100}), kNotcap);
  EXPECT_EQ(h.call("fd_seek", {fd, 0, whence::kCur, 100}), kOk);  // tell needs only FD_TELL
  EXPECT_EQ(h.call("fd_fdstat_set_rights", {fd, rights::kFdRead | rights::kFdSeek, 0}), kNotcap);
  // Asking path_open for rights the directory cannot pass on.
  ASSERT_EQ(h.call("fd_fdstat_get", {3, 100}), kOk);
  uint64_t dir_base = h.load<Fdstat>(100).fs_rights_base;
  EXPECT_EQ(h.call("fd_fdstat_set_rights", {3, dir_base, rights::kFdRead}), kOk);
  EXPECT_EQ(h.open(3, "f", 0, rights::kFdRead | rights::kFdWrite, fd), kNotcap);
  EXPECT_EQ(h.call("fd_fdstat_set_rights", {3, 0, 0}), kOk);
  EXPECT_EQ(h.open(3, "f", 0, rights::kFdRead, fd), kNotcap);  // no PATH_OPEN any more
}

INSTANTIATE_TEST_SUITE_P(Backends, WasiHostBackends,
                         ::testing::Values(ResolveBackend::kOpenat2, ResolveBackend::kWalk),
                         [](const auto& info) {
                           return info.param == ResolveBackend::kWalk ? "walk" : "openat2";
                         });

}  // namespace
}  // namespace ws::engine::wasi

namespace ws::engine::wasi {
namespace {

// WasiConfig::max_fds (a container's RLIMIT_NOFILE) bounds the guest's table: stdio and the
// preopen count, the next open past the bound is EMFILE, and closing one frees a number.
TEST(WasiHost, MaxFdsBoundsTheTable) {
  TempDir dir;
  testing::write_file(dir / "file", "content");
  WasiConfig c = config_with({{"/d", dir.path(), false, ResolveMode::kBeneath}});
  c.max_fds = 6;
  Harness h(c);
  ASSERT_TRUE(h.ok());
  uint32_t fd = 0;
  ASSERT_EQ(h.open(3, "file", 0, rights::kFdRead, fd), kOk);
  EXPECT_EQ(fd, 4u);
  ASSERT_EQ(h.open(3, "file", 0, rights::kFdRead, fd), kOk);
  EXPECT_EQ(fd, 5u);
  EXPECT_EQ(h.open(3, "file", 0, rights::kFdRead, fd), kErr(Errno::kMfile));
  EXPECT_EQ(h.call("fd_close", {4}), kOk);
  ASSERT_EQ(h.open(3, "file", 0, rights::kFdRead, fd), kOk);
  EXPECT_EQ(fd, 4u);
  // Without a bound the same guest opens more.
  c.max_fds = 0;
  Harness unbounded(c);
  ASSERT_TRUE(unbounded.ok());
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(unbounded.open(3, "file", 0, rights::kFdRead, fd), kOk);
  }
}

}  // namespace
}  // namespace ws::engine::wasi
