// `start`: socket naming, grouping, the address file, reuse of a live shim, spawning.
#include "shim/cli/bootstrap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/file.h"
#include "support/sha256.h"

namespace ws::shim {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(Bootstrap, CleanPathLikeGo) {
  EXPECT_EQ(clean_path("/run/containerd/containerd.sock/default/c1"),
            "/run/containerd/containerd.sock/default/c1");
  EXPECT_EQ(clean_path("/a//b/./c/../d/"), "/a/b/d");
  EXPECT_EQ(clean_path("/../a"), "/a");
  EXPECT_EQ(clean_path("a/../../b"), "../b");
  EXPECT_EQ(clean_path(""), ".");
}

TEST(Bootstrap, SocketAddressHashesTheCleanedKey) {
  std::string a = socket_address("/run/containerd/containerd.sock", "default", "c1");
  EXPECT_EQ(a, "unix:///run/containerd/s/" +
                   support::sha256_hex("/run/containerd/containerd.sock/default/c1"));
  EXPECT_EQ(a, socket_address("/run/containerd//containerd.sock/", "default", "c1"));
  EXPECT_NE(a, socket_address("/other/containerd.sock", "default", "c1"));
  EXPECT_LT(a.size() - 7, 108u);  // fits sun_path
}

TEST(Bootstrap, GroupKey) {
  oci::Spec s;
  EXPECT_EQ(group_key(s, "c1"), "c1");
  s.annotations["io.kubernetes.cri.sandbox-id"] = "pod";
  EXPECT_EQ(group_key(s, "c1"), "pod");
  s.annotations["io.containerd.runc.v2.group"] = "grp";
  EXPECT_EQ(group_key(s, "c1"), "grp");
}

class StartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-start-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    bundle_ = dir_ + "/bundle";
    std::filesystem::create_directories(bundle_);
    std::ofstream(bundle_ + "/config.json")
        << R"({"annotations": {"io.kubernetes.cri.sandbox-id": "pod1"}})";
    // Stands in for the shim binary: records its arguments and whether fd 3 is a socket,
    // then keeps the inherited listener open for a while.
    self_ = dir_ + "/fake-shim";
    std::ofstream(self_) << "#!/bin/sh\necho \"$@\" > args\nreadlink /proc/$$/fd/3 > fd3\n"
                            "pwd > cwd\nexec sleep 5 3>&3\n";
    chmod(self_.c_str(), 0755);
    flags_.ns = "default";
    flags_.id = "c1";
    flags_.address = "/run/test/containerd.sock";
    flags_.publish_binary = "/usr/bin/containerd";
  }
  void TearDown() override {
    system(("pkill -f '" + self_ + "' >/dev/null 2>&1").c_str());
    std::filesystem::remove_all(dir_);
  }
  // Waits for the fake shim to write `name` in the bundle.
  std::string wait_file(const std::string& name) {
    for (int i = 0; i < 200; ++i) {
      absl::StatusOr<std::string> s = support::read_text_file(bundle_ + "/" + name);
      if (s.ok() && !s->empty()) return *s;
      usleep(20000);
    }
    return "";
  }

  std::string dir_, bundle_, self_;
  Flags flags_;
};

TEST_F(StartTest, SpawnsTheServerThenReusesIt) {
  std::string sockets = dir_ + "/s";
  absl::StatusOr<StartResult> r = start_shim(flags_, bundle_, self_, "ttrpc", sockets);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->spawned);
  EXPECT_THAT(r->address, StartsWith("unix://" + sockets + "/"));
  EXPECT_EQ(r->address, socket_address(flags_.address, "default", "pod1", sockets));
  EXPECT_EQ(*support::read_text_file(bundle_ + "/address"), r->address);
  EXPECT_THAT(wait_file("args"), HasSubstr("-namespace default -id c1 -address "
                                           "/run/test/containerd.sock -publish-binary "
                                           "/usr/bin/containerd -socket " +
                                           r->address + " -protocol ttrpc"));
  EXPECT_THAT(wait_file("fd3"), StartsWith("socket:"));
  EXPECT_EQ(wait_file("cwd"), bundle_ + "\n");

  // A second container of the same pod finds the live shim: nothing is spawned.
  std::string bundle2 = dir_ + "/bundle2";
  std::filesystem::create_directories(bundle2);
  std::filesystem::copy_file(bundle_ + "/config.json", bundle2 + "/config.json");
  Flags f2 = flags_;
  f2.id = "c2";
  absl::StatusOr<StartResult> r2 = start_shim(f2, bundle2, self_, "ttrpc", sockets);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_FALSE(r2->spawned);
  EXPECT_EQ(r2->address, r->address);
  EXPECT_EQ(*support::read_text_file(bundle2 + "/address"), r->address);
}

TEST_F(StartTest, GrpcWaitsForTheServersReadiness) {
  // The fake server says it is ready on fd 3, as the real one does after binding.
  std::ofstream(self_) << "#!/bin/sh\necho \"$@\" > args\nprintf 1 >&3\nexec sleep 5\n";
  absl::StatusOr<StartResult> r = start_shim(flags_, bundle_, self_, "grpc", dir_ + "/s");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->spawned);
  EXPECT_EQ(r->reply(),
            "{\"version\":2,\"address\":\"" + r->address.substr(7) + "\",\"protocol\":\"grpc\"}");
  EXPECT_THAT(wait_file("args"), HasSubstr("-protocol grpc"));
  EXPECT_EQ(*support::read_text_file(bundle_ + "/bootstrap.json"), r->reply());
  // A server that dies before binding makes start fail.
  std::ofstream(self_) << "#!/bin/sh\nexit 1\n";
  Flags other = flags_;
  other.address = "/run/other.sock";
  absl::StatusOr<StartResult> dead = start_shim(other, bundle_, self_, "grpc", dir_ + "/s");
  EXPECT_EQ(dead.status().code(), absl::StatusCode::kUnavailable);
}

TEST(Bootstrap, GrpcShimsOnlyForContainerd1) {
  EXPECT_TRUE(containerd_takes_grpc_shims("v1.7.24"));
  EXPECT_TRUE(containerd_takes_grpc_shims("1.7.24~ds1"));
  EXPECT_TRUE(containerd_takes_grpc_shims("1.6.20~ds1"));
  EXPECT_FALSE(containerd_takes_grpc_shims("2.1.9+unknown"));
  EXPECT_FALSE(containerd_takes_grpc_shims("v2.0.0-rc.1"));
  EXPECT_FALSE(containerd_takes_grpc_shims("10.0.1"));
  EXPECT_TRUE(containerd_takes_grpc_shims(""));
  EXPECT_TRUE(containerd_takes_grpc_shims("v"));
  EXPECT_TRUE(containerd_takes_grpc_shims("2"));  // no dot: not a version
  EXPECT_TRUE(containerd_takes_grpc_shims("unknown"));
}

// What a forked server starts with, as text (run in the child before it leaves).
std::string forked_server_report(const StartResult& r) {
  char cwd[4096] = "";
  char fd0[256] = "";
  if (getcwd(cwd, sizeof cwd) == nullptr) cwd[0] = 0;
  ssize_t n = readlink("/proc/self/fd/0", fd0, sizeof fd0 - 1);
  fd0[n > 0 ? n : 0] = 0;
  int listening = 0;
  socklen_t len = sizeof listening;
  struct stat st;
  std::string fd3 = fstat(3, &st) != 0     ? "closed"
                    : S_ISFIFO(st.st_mode) ? "pipe"
                    : getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening
                        ? "listener"
                        : "other";
  std::string open_fds;
  for (int fd = 4; fd < 1024; ++fd) {
    if (fcntl(fd, F_GETFD) >= 0) open_fds += std::to_string(fd) + " ";
  }
  return "session=" + std::to_string(getsid(0) == getpid()) + " cwd=" + cwd + " fd0=" + fd0 +
         " fd3=" + fd3 + " other fds=[" + open_fds + "] socket=" + r.server->socket +
         " protocol=" + r.server->protocol + " action=" + r.server->action + " id=" + r.server->id;
}

TEST_F(StartTest, ForkedServerIsDetachedWithOnlyItsListener) {
  std::string sockets = dir_ + "/s";
  int stray = open("/dev/null", O_RDONLY);  // inherited by the fork, not by an exec'd server
  flags_.action = "start";
  absl::StatusOr<StartResult> r =
      start_shim(flags_, bundle_, "/nonexistent", "ttrpc", sockets, ServerLaunch::kFork);
  if (r.ok() && r->server) {  // the forked server: report, then leave without gtest's exit
    std::string report = forked_server_report(*r);
    write_file_atomically(bundle_, "report", report).IgnoreError();
    _exit(0);
  }
  close(stray);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->spawned);
  EXPECT_EQ(*support::read_text_file(bundle_ + "/address"), r->address);
  EXPECT_EQ(wait_file("report"), "session=1 cwd=" + bundle_ + " fd0=/dev/null fd3=listener " +
                                     "other fds=[] socket=" + r->address +
                                     " protocol=ttrpc action= id=c1");
}

TEST_F(StartTest, ForkedGrpcServerReportsReadinessOnFd3) {
  absl::StatusOr<StartResult> r =
      start_shim(flags_, bundle_, "/nonexistent", "grpc", dir_ + "/s", ServerLaunch::kFork);
  if (r.ok() && r->server) {
    std::string report = forked_server_report(*r);
    write_file_atomically(bundle_, "report", report).IgnoreError();
    char ready = '1';
    _exit(write(3, &ready, 1) == 1 ? 0 : 1);  // as the gRPC transport does once it listens
  }
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->spawned);
  EXPECT_EQ(*support::read_text_file(bundle_ + "/bootstrap.json"), r->reply());
  EXPECT_EQ(wait_file("report"), "session=1 cwd=" + bundle_ + " fd0=/dev/null fd3=pipe " +
                                     "other fds=[] socket=" + r->address +
                                     " protocol=grpc action= id=c1");
}

TEST_F(StartTest, ReplacesADeadShimsSocket) {
  std::string sockets = dir_ + "/s";
  std::string addr = socket_address(flags_.address, "default", "pod1", sockets);
  std::filesystem::create_directories(sockets);
  // A socket file nobody listens on any more.
  ASSERT_EQ(system(("python3 -c 'import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"" +
                    addr.substr(7) + "\")'")
                       .c_str()),
            0);
  absl::StatusOr<StartResult> r = start_shim(flags_, bundle_, self_, "ttrpc", sockets);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->spawned);
}

TEST_F(StartTest, BadBundleOrFlags) {
  std::filesystem::remove(bundle_ + "/config.json");
  absl::StatusOr<StartResult> r = start_shim(flags_, bundle_, self_, "ttrpc", dir_ + "/s");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("config.json"));
  Flags no_id = flags_;
  no_id.id.clear();
  EXPECT_EQ(start_shim(no_id, bundle_, self_, "ttrpc", dir_ + "/s").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StartTest, InstanceBinaryIsTheExecutableBesideTheShimElseTheShim) {
  EXPECT_EQ(instance_binary_beside(self_), self_);  // nothing beside it
  std::string beside = dir_ + "/" + kInstanceBinaryName;
  std::filesystem::create_directories(beside);
  EXPECT_EQ(instance_binary_beside(self_), self_);  // a directory is no binary
  std::filesystem::remove(beside);
  std::ofstream(beside) << "#!/bin/sh\n";
  chmod(beside.c_str(), 0644);
  EXPECT_EQ(instance_binary_beside(self_), self_);  // not executable
  chmod(beside.c_str(), 0755);
  EXPECT_EQ(instance_binary_beside(self_), beside);
  EXPECT_EQ(instance_binary_beside("relative-shim"), "relative-shim");
}

}  // namespace
}  // namespace ws::shim
