// In-root resolution: nothing resolves outside the root, and mount points are made inside it.
#include "shim/runtime/in_root.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "oci/wasi_plan.h"

namespace ws::shim {
namespace {

namespace fs = std::filesystem;

class InRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-inroot-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/rootfs";
    fs::create_directories(root_ + "/etc");
    std::ofstream(dir_ + "/secret") << "outside";
    std::ofstream(root_ + "/etc/passwd") << "inside";
    fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(fd_.valid());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string read(const std::string& path) {
    absl::StatusOr<std::vector<uint8_t>> b = read_in_root(fd_.get(), path);
    if (!b.ok()) return "error: " + std::string(b.status().message());
    return std::string(b->begin(), b->end());
  }

  std::string dir_, root_;
  UniqueFd fd_;
};

TEST_F(InRootTest, DotDotStopsAtTheRoot) {
  EXPECT_EQ(read("../../etc/passwd"), "inside");
  EXPECT_EQ(read("../secret"), "error: ../secret: No such file or directory");
}

TEST_F(InRootTest, AbsoluteSymlinksResolveInside) {
  fs::create_symlink("/", root_ + "/host");
  fs::create_symlink(dir_ + "/secret", root_ + "/link");
  EXPECT_EQ(read("/host/etc/passwd"), "inside");
  EXPECT_EQ(read("/host" + dir_ + "/secret"),
            "error: /host" + dir_ + "/secret: No such file or directory");
  EXPECT_EQ(read("/link"), "error: /link: No such file or directory");
}

TEST_F(InRootTest, DirectoriesAreNotModules) { EXPECT_EQ(read("/etc"), "error: /etc: not a file"); }

TEST_F(InRootTest, MakeNeverCreatesOutsideTheRoot) {
  fs::create_directories(dir_ + "/outside");
  fs::create_symlink(dir_ + "/outside", root_ + "/data");  // means <root>/<dir_>/outside
  // A dangling in-root target is refused rather than followed out.
  EXPECT_FALSE(make_in_root(fd_.get(), "/data/sub", false).ok());
  EXPECT_FALSE(fs::exists(dir_ + "/outside/sub"));
  // `..` above the root stays at the root.
  ASSERT_TRUE(make_in_root(fd_.get(), "/../outside/sub", false).ok());
  EXPECT_TRUE(fs::is_directory(root_ + "/outside/sub"));
  EXPECT_FALSE(fs::exists(dir_ + "/outside/sub"));
  // Once the target exists inside, the symlink leads there.
  fs::create_directories(root_ + dir_ + "/outside");
  absl::StatusOr<UniqueFd> d = make_in_root(fd_.get(), "/data/sub", false);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(fs::is_directory(root_ + dir_ + "/outside/sub"));
  EXPECT_FALSE(fs::exists(dir_ + "/outside/sub"));
}

// Runs `f` in a child killed by SIGALRM after 5 s: true when it returned true in time (a blocking
// open of a FIFO would hang the test binary rather than fail it otherwise).
bool in_time(const std::function<bool()>& f) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(5);
    ::_exit(f() ? 0 : 1);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Whether the node at `host_path` was opened (not merely O_PATH-resolved) while `f` ran.
bool opened_during(const std::string& host_path, const std::function<void()>& f) {
  UniqueFd in(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  EXPECT_TRUE(in.valid());
  EXPECT_GE(::inotify_add_watch(in.get(), host_path.c_str(), IN_OPEN), 0);
  f();
  alignas(inotify_event) char buf[4096];
  return ::read(in.get(), buf, sizeof(buf)) > 0;
}

// A FIFO or a device at the entry path is refused without being opened: no hang on a FIFO with
// no writer, no device open (and no controlling terminal) in the privileged shim.
TEST_F(InRootTest, SpecialFilesAreNeverOpened) {
  std::vector<std::string> nodes = {"/fifo.wasm"};
  ASSERT_EQ(::mkfifo((root_ + "/fifo.wasm").c_str(), 0644), 0);
  struct stat null_st;
  if (::geteuid() == 0 && ::stat("/dev/null", &null_st) == 0 &&
      ::mknod((root_ + "/null.wasm").c_str(), S_IFCHR | 0666, null_st.st_rdev) == 0) {
    nodes.push_back("/null.wasm");
  } else {
    std::fprintf(stderr, "no char device in the rootfs (needs root): only the FIFO is checked\n");
  }
  int root_fd = fd_.get();
  for (const std::string& node : nodes) {
    SCOPED_TRACE(node);
    EXPECT_TRUE(in_time([&] {
      absl::StatusOr<std::string> p = probe_in_root(root_fd, node);
      absl::StatusOr<std::vector<uint8_t>> r = read_in_root(root_fd, node);
      return p.status().code() == absl::StatusCode::kFailedPrecondition &&
             r.status().code() == absl::StatusCode::kInvalidArgument;
    }));
    EXPECT_FALSE(opened_during(root_ + node, [&] { (void)probe_in_root(root_fd, node); }));
  }
  // A regular file is still opened and read.
  std::ofstream(root_ + "/app.wasm") << "\0asm";
  EXPECT_TRUE(opened_during(root_ + "/app.wasm", [&] {
    absl::StatusOr<std::string> p = probe_in_root(root_fd, "/app.wasm");
    EXPECT_TRUE(p.ok()) << p.status();
  }));
}

TEST_F(InRootTest, MakeCreatesFilesAndDirectories) {
  absl::StatusOr<UniqueFd> f = make_in_root(fd_.get(), "/etc/resolv.conf", true);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(fs::is_regular_file(root_ + "/etc/resolv.conf"));
}

}  // namespace
}  // namespace ws::shim

namespace ws::shim {
namespace {

// The entry of a config resolved on a real rootfs through probe_in_root: hostile links and
// paths never reach the host's module next to the rootfs.
TEST_F(InRootTest, EntryResolutionStaysInTheRoot) {
  const std::string wasm("\0asm\x01\0\0\0", 8);
  std::ofstream(dir_ + "/outside.wasm") << wasm;
  fs::create_directories(root_ + "/real");
  fs::create_directories(root_ + "/bin");
  std::ofstream(root_ + "/real/app.wasm") << wasm;
  fs::create_symlink(dir_ + "/outside.wasm", root_ + "/abs-out.wasm");
  fs::create_symlink("../../../../outside.wasm", root_ + "/rel-out.wasm");
  fs::create_symlink("/real/app.wasm", root_ + "/bin/app.wasm");
  fs::create_symlink(dir_, root_ + "/hostdir");
  fs::create_directories(root_ + "/dir.wasm");
  ASSERT_EQ(::mkfifo((root_ + "/fifo.wasm").c_str(), 0644), 0);
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string cwd;
    std::string module;  // "" when an error is expected
    std::string error;
  };
  const Case cases[] = {
      {{"/abs-out.wasm"}, {}, "/", "", "not found in the rootfs"},
      {{"/rel-out.wasm"}, {}, "/", "", "not found in the rootfs"},
      {{"../../outside.wasm"}, {}, "/work", "", "looked for /outside.wasm"},
      {{"outside.wasm"}, {"PATH=/hostdir"}, "/", "", "not found in the rootfs"},
      {{"/hostdir/outside.wasm"}, {}, "/", "", "not found in the rootfs"},
      {{"app.wasm"}, {"PATH=/usr/bin:/bin"}, "/", "/bin/app.wasm", ""},
      {{"../real/app.wasm#main"}, {}, "/bin", "/real/app.wasm", ""},
      {{"/dir.wasm"}, {}, "/", "", "not a regular file"},
      {{"/fifo.wasm"}, {}, "/", "", "not a regular file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args[0]);
    oci::Spec spec;
    spec.process.emplace();
    spec.process->args = c.args;
    spec.process->env = c.env;
    spec.process->cwd = c.cwd;
    int root_fd = fd_.get();
    absl::StatusOr<oci::WasiPlan> plan =
        oci::plan_wasi(spec, *spec.process, false,
                       [root_fd](const std::string& p) { return probe_in_root(root_fd, p); });
    if (c.module.empty()) {
      ASSERT_FALSE(plan.ok()) << plan->module_path;
      EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(plan.status().message().find(c.error), std::string::npos) << plan.status();
      EXPECT_NE(plan.status().message().find("process.args[0]"), std::string::npos);
    } else {
      ASSERT_TRUE(plan.ok()) << plan.status();
      EXPECT_EQ(plan->module_path, c.module);
    }
  }
}

}  // namespace
}  // namespace ws::shim
