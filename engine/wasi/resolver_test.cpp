// The path sandbox against hostile directory layouts, for the openat2 backend and the forced
// component walk, in both resolve modes.
#include "engine/wasi/resolver.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "engine/wasi/test_util.h"

namespace ws::engine::wasi {
namespace {

using testing::exists;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

std::string read_all(int fd) { return testing::read_fd(fd); }

// <top>/root is granted; <top>/outside is not.
//   root/file.txt "inside"     root/dir/inner.txt "inner"   outside/secret.txt "secret"
//   up -> ..   up2 -> dir/../..   abs -> /   abs_etc -> /etc   abs_inside -> /dir
//   chain1 -> chain2 -> chain3 -> dir   chainout1 -> chainout2 -> ../outside
//   loop1 <-> loop2   outlink -> <top>/outside   procroot -> /proc/self/root
//   dangle -> ../outside/created.txt
class Layout {
 public:
  Layout() {
    mkdir((top_ / "root").c_str(), 0755);
    mkdir((top_ / "root/dir").c_str(), 0755);
    mkdir((top_ / "outside").c_str(), 0755);
    write_file(top_ / "root/file.txt", "inside");
    write_file(top_ / "root/dir/inner.txt", "inner");
    write_file(top_ / "outside/secret.txt", "secret");
    link("..", "up");
    link("dir/../..", "up2");
    link("/", "abs");
    link("/etc", "abs_etc");
    link("/dir", "abs_inside");
    link("chain2", "chain1");
    link("chain3", "chain2");
    link("dir", "chain3");
    link("chainout2", "chainout1");
    link("../outside", "chainout2");
    link("loop2", "loop1");
    link("loop1", "loop2");
    link(top_ / "outside", "outlink");
    link("/proc/self/root", "procroot");
    link("../outside/created.txt", "dangle");
    root_fd_ = open((top_ / "root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ~Layout() { close(root_fd_); }
  int root_fd() const { return root_fd_; }
  std::string root(const std::string& rel) const { return top_ / ("root/" + rel); }
  std::string outside(const std::string& rel) const { return top_ / ("outside/" + rel); }

 private:
  void link(const std::string& target, const std::string& name) {
    ASSERT_EQ(symlink(target.c_str(), root(name).c_str()), 0) << name;
  }
  TempDir top_;
  int root_fd_ = -1;
};

struct Param {
  ResolveBackend backend;
  ResolveMode mode;
};

class ResolverTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    if (GetParam().backend == ResolveBackend::kOpenat2) {
      set_resolve_backend(ResolveBackend::kAuto);
      if (resolve_backend() != ResolveBackend::kOpenat2) GTEST_SKIP() << "no openat2";
    }
    set_resolve_backend(GetParam().backend);
  }
  void TearDown() override { set_resolve_backend(ResolveBackend::kAuto); }

  bool beneath() const { return GetParam().mode == ResolveMode::kBeneath; }
  Root root() const { return {layout_.root_fd(), GetParam().mode}; }
  // Opens read-only following symlinks; returns the errno and the contents when it opened.
  Errno open_read(const std::string& path, std::string* content = nullptr, bool follow = true) {
    UniqueFd fd;
    Errno e = open_beneath(root(), path, O_RDONLY, 0, follow, fd);
    if (e == Errno::kSuccess && content) *content = read_all(fd.get());
    return e;
  }

  Layout layout_;
};

TEST_P(ResolverTest, PlainPathsInside) {
  std::string s;
  EXPECT_EQ(open_read("file.txt", &s), Errno::kSuccess);
  EXPECT_EQ(s, "inside");
  EXPECT_EQ(open_read("dir/../dir/./inner.txt", &s), Errno::kSuccess);
  EXPECT_EQ(s, "inner");
  EXPECT_EQ(open_read("dir/../file.txt", &s), Errno::kSuccess);
  EXPECT_EQ(open_read("chain1/inner.txt", &s), Errno::kSuccess);
  EXPECT_EQ(s, "inner");
  EXPECT_EQ(open_read("missing.txt"), Errno::kNoent);
  EXPECT_EQ(open_read("file.txt/x"), Errno::kNotdir);
  EXPECT_EQ(open_read(""), Errno::kNoent);
  EXPECT_EQ(open_read(std::string("file.txt\0x", 10)), Errno::kInval);
}

TEST_P(ResolverTest, DotDotChainsNeverLeave) {
  std::string s;
  const char* escapes[] = {"../outside/secret.txt",
                           "dir/../../outside/secret.txt",
                           "dir/../../../../../../outside/secret.txt",
                           "up/outside/secret.txt",
                           "up2/outside/secret.txt",
                           "chainout1/secret.txt"};
  for (const char* p : escapes) {
    Errno e = open_read(p, &s);
    if (beneath()) {
      EXPECT_EQ(e, Errno::kNotcapable) << p;
    } else {
      EXPECT_EQ(e, Errno::kNoent) << p;  // `..` stops at the root: root/outside does not exist
    }
  }
}

TEST_P(ResolverTest, AbsolutePathsAndSymlinks) {
  std::string s;
  Errno abs_path = open_read("/file.txt", &s);
  Errno abs_inside = open_read("abs_inside/inner.txt", &s);
  if (beneath()) {
    EXPECT_EQ(abs_path, Errno::kNotcapable);
    EXPECT_EQ(abs_inside, Errno::kNotcapable);
    EXPECT_EQ(open_read("abs/etc/passwd"), Errno::kNotcapable);
    EXPECT_EQ(open_read("abs_etc/passwd"), Errno::kNotcapable);
    EXPECT_EQ(open_read("outlink/secret.txt"), Errno::kNotcapable);
  } else {
    EXPECT_EQ(abs_path, Errno::kSuccess);
    EXPECT_EQ(abs_inside, Errno::kSuccess);
    EXPECT_EQ(s, "inner");  // /dir inside the root
    EXPECT_EQ(open_read("abs/file.txt", &s), Errno::kSuccess);
    EXPECT_EQ(s, "inside");
    EXPECT_EQ(open_read("abs_etc/passwd"), Errno::kNoent);
    EXPECT_EQ(open_read("outlink/secret.txt"), Errno::kNoent);
  }
}

TEST_P(ResolverTest, SymlinkLoopsAndTheFinalComponent) {
  EXPECT_EQ(open_read("loop1"), Errno::kLoop);
  EXPECT_EQ(open_read("loop1/x"), Errno::kLoop);
  // Not following the last component: a symlink there is ELOOP, or the link itself with O_PATH.
  EXPECT_EQ(open_read("chain3", nullptr, false), Errno::kLoop);
  UniqueFd fd;
  ASSERT_EQ(open_beneath(root(), "abs_etc", O_PATH, 0, false, fd), Errno::kSuccess);
  struct stat st;
  ASSERT_EQ(fstat(fd.get(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  // A trailing slash follows.
  EXPECT_EQ(open_beneath(root(), "chain3/", O_RDONLY | O_DIRECTORY, 0, false, fd), Errno::kSuccess);
}

TEST_P(ResolverTest, ProcSelfRootMagicLinkDoesNotEscape) {
  std::string s;
  EXPECT_NE(open_read("procroot/etc/passwd", &s), Errno::kSuccess);
  EXPECT_NE(open_read("procroot" + layout_.outside("secret.txt"), &s), Errno::kSuccess);
  // A preopen of /proc/self itself: its magic links (root, cwd, fd/N) must not be followed out.
  int proc_self = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(proc_self, 0);
  int secret = open(layout_.outside("secret.txt").c_str(), O_RDONLY | O_CLOEXEC);
  Root proc{proc_self, GetParam().mode};
  UniqueFd fd;
  EXPECT_NE(open_beneath(proc, "root/etc/passwd", O_RDONLY, 0, true, fd), Errno::kSuccess);
  EXPECT_NE(open_beneath(proc, "cwd", O_RDONLY | O_DIRECTORY, 0, true, fd), Errno::kSuccess);
  EXPECT_NE(open_beneath(proc, "fd/" + std::to_string(secret), O_RDONLY, 0, true, fd),
            Errno::kSuccess);
  close(secret);
  close(proc_self);
}

TEST_P(ResolverTest, CreationStaysInside) {
  UniqueFd fd;
  Errno e = open_beneath(root(), "dangle", O_WRONLY | O_CREAT, 0644, true, fd);
  EXPECT_FALSE(exists(layout_.outside("created.txt")));
  if (beneath()) {
    EXPECT_EQ(e, Errno::kNotcapable);
  } else {
    EXPECT_EQ(e, Errno::kNoent);  // ../outside from the root is root/outside: no such dir
  }
  // In both modes a link through `up` creates inside the root.
  e = open_beneath(root(), "dir/../file2.txt", O_WRONLY | O_CREAT, 0644, true, fd);
  EXPECT_EQ(e, Errno::kSuccess);
  EXPECT_TRUE(exists(layout_.root("file2.txt")));
}

TEST_P(ResolverTest, ParentOfTheLastComponent) {
  ParentRef p;
  ASSERT_EQ(open_parent(root(), "dir/new.txt", p), Errno::kSuccess);
  EXPECT_EQ(p.name, "new.txt");
  ASSERT_EQ(mkdirat(p.dir.get(), p.name.c_str(), 0755), 0);
  EXPECT_TRUE(exists(layout_.root("dir/new.txt")));
  ASSERT_EQ(open_parent(root(), "dir/..", p), Errno::kSuccess);
  EXPECT_EQ(p.name, ".");
  ASSERT_EQ(open_parent(root(), "up", p), Errno::kSuccess);  // the link itself, not followed
  EXPECT_EQ(p.name, "up");
  ASSERT_EQ(open_parent(root(), "dir/x/", p), Errno::kSuccess);
  EXPECT_TRUE(p.trailing_slash);
  EXPECT_EQ(p.name, "x");
  Errno out = open_parent(root(), "outlink/x", p);
  Errno up = open_parent(root(), "../outside/x", p);
  if (beneath()) {
    EXPECT_EQ(out, Errno::kNotcapable);
    EXPECT_EQ(up, Errno::kNotcapable);
  } else {
    EXPECT_EQ(out, Errno::kNoent);
    ASSERT_EQ(up, Errno::kNoent);
  }
}

// While one thread opens dir/inner.txt again and again, another swaps `dir` for a symlink to
// the outside directory. No open may ever read the secret.
TEST_P(ResolverTest, RenameRaceNeverReachesOutside) {
  std::atomic<bool> stop{false};
  std::string dir = layout_.root("dir"), moved = layout_.root("dir.real");
  write_file(layout_.outside("inner.txt"), "secret");
  std::thread swapper([&] {
    while (!stop.load()) {
      rename(dir.c_str(), moved.c_str());
      symlink(beneath() ? "../outside" : layout_.outside("").c_str(), dir.c_str());
      unlink(dir.c_str());
      rename(moved.c_str(), dir.c_str());
    }
  });
  int leaks = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    if (open_read("dir/inner.txt", &s) == Errno::kSuccess && s == "secret") ++leaks;
  }
  stop = true;
  swapper.join();
  EXPECT_EQ(leaks, 0);
}

INSTANTIATE_TEST_SUITE_P(
    All, ResolverTest,
    ::testing::Values(Param{ResolveBackend::kOpenat2, ResolveMode::kBeneath},
                      Param{ResolveBackend::kOpenat2, ResolveMode::kInRoot},
                      Param{ResolveBackend::kWalk, ResolveMode::kBeneath},
                      Param{ResolveBackend::kWalk, ResolveMode::kInRoot}),
    [](const auto& info) {
      return std::string(info.param.backend == ResolveBackend::kWalk ? "walk" : "openat2") +
             (info.param.mode == ResolveMode::kBeneath ? "_beneath" : "_in_root");
    });

}  // namespace
}  // namespace ws::engine::wasi
