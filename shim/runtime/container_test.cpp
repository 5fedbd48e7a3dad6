// InstanceRuntime's container side (needs root): rootfs and spec mounts, namespaces, hooks,
// exec, and stdio.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "shim/runtime/instance_runtime.h"
#include "shim/runtime/runtime_test_util.h"

namespace ws::shim {
namespace {

namespace fs = std::filesystem;
using testing::Bundle;
using testing::child_pids;
using testing::mounted;

std::string slurp(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

nlohmann::json sh_hook(const std::string& script) {
  nlohmann::json hook;
  hook["path"] = "/bin/sh";
  hook["args"] = {"sh", "-c", script};
  return hook;
}

ino_t ns_inode(pid_t pid, const char* ns) {
  struct stat st {};
  ::stat(absl::StrCat("/proc/", pid, "/ns/", ns).c_str(), &st);
  return st.st_ino;
}

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount and namespaces)";
    runtime_.set_exit_handler(exits_.handler());
  }

  absl::StatusOr<std::unique_ptr<Process>> create(Bundle& b, const CreateConfig& c) {
    b.write_config();
    return runtime_.create(c);
  }

  int run(Process& p) {
    EXPECT_TRUE(p.start().ok());
    std::optional<ExitStatus> e = exits_.wait(&p);
    return e ? static_cast<int>(e->code) : -1;
  }

  testing::Exits exits_;
  InstanceRuntime runtime_{testing::test_options()};
};

TEST_F(ContainerTest, RootfsMountsAreMadeAndUndoneByDestroy) {
  Bundle b;
  std::string image = b.dir + "/image";
  fs::create_directories(image);
  fs::copy_file(testing::guest_file("ok"), image + "/app.wasm");
  CreateConfig c = b.create_config();
  c.rootfs = {RootfsMount{"bind", image, "", {"rbind", "ro"}}};
  auto p = create(b, c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(mounted(b.rootfs));
  EXPECT_EQ(::access((b.rootfs + "/app.wasm").c_str(), W_OK), -1) << "the ro option was lost";
  EXPECT_EQ(run(**p), 0);
  EXPECT_TRUE((*p)->destroy().ok());
  EXPECT_FALSE(mounted(b.rootfs));
}

TEST_F(ContainerTest, AFailedCreateUndoesTheRootfsMounts) {
  Bundle b;
  std::string image = b.dir + "/image";
  fs::create_directories(image);  // no module in it
  CreateConfig c = b.create_config();
  c.rootfs = {RootfsMount{"bind", image, "", {"rbind"}}};
  std::vector<pid_t> before = child_pids();
  auto p = create(b, c);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
  EXPECT_FALSE(mounted(b.rootfs));
  EXPECT_EQ(child_pids(), before);
  c.rootfs = {RootfsMount{"bind", b.dir + "/no-such-dir", "", {"rbind"}}};
  p = create(b, c);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("no-such-dir"), std::string::npos) << p.status();
}

TEST_F(ContainerTest, SpecMountsExistOnlyInTheInstanceNamespace) {
  Bundle b;
  b.add_guest("loop");
  fs::create_directories(b.dir + "/data");
  b.write_file("hosts", "127.0.0.1 localhost\n");
  b.spec["mounts"] = {{{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
                      {{"destination", "/data"},
                       {"type", "bind"},
                       {"source", b.dir + "/data"},
                       {"options", {"rbind", "ro"}}},
                      {{"destination", "/etc/hosts"},
                       {"type", "bind"},
                       {"source", "hosts"},
                       {"options", {"rbind"}}},
                      {{"destination", "/tmp"},
                       {"type", "tmpfs"},
                       {"source", "tmpfs"},
                       {"options", {"nosuid", "size=1m"}}}};
  b.spec["root"]["readonly"] = true;
  auto p = create(b, b.create_config());
  ASSERT_TRUE(p.ok()) << p.status();
  pid_t pid = static_cast<pid_t>((*p)->pid());
  EXPECT_TRUE(mounted(b.rootfs + "/data", pid));
  EXPECT_TRUE(mounted(b.rootfs + "/etc/hosts", pid));
  EXPECT_TRUE(mounted(b.rootfs + "/tmp", pid));
  EXPECT_FALSE(mounted(b.rootfs + "/proc", pid)) << "proc is not for Wasm guests";
  EXPECT_FALSE(mounted(b.rootfs, 0, true)) << "the container's mounts leaked to the host";
  EXPECT_NE(ns_inode(pid, "mnt"), ns_inode(::getpid(), "mnt"));
  std::string mountinfo = slurp(absl::StrCat("/proc/", pid, "/mountinfo"));
  EXPECT_NE(mountinfo.find(" " + b.rootfs + " ro,"), std::string::npos) << mountinfo;
  EXPECT_NE(mountinfo.find(" " + b.rootfs + "/data ro,"), std::string::npos) << mountinfo;
  ASSERT_TRUE((*p)->kill(SIGKILL).ok());
  ASSERT_TRUE(exits_.wait(p->get()));
  EXPECT_TRUE((*p)->destroy().ok());
}

TEST_F(ContainerTest, NamespacesAreCreatedOrJoinedAsTheSpecSays) {
  Bundle b;
  b.add_guest("loop");
  b.spec["hostname"] = "wasm-box";
  b.spec["linux"]["namespaces"] = {{{"type", "mount"}},
                                   {{"type", "network"}},
                                   {{"type", "uts"}},
                                   {{"type", "ipc"}, {"path", "/proc/self/ns/ipc"}}};
  auto p = create(b, b.create_config());
  ASSERT_TRUE(p.ok()) << p.status();
  pid_t pid = static_cast<pid_t>((*p)->pid()), self = ::getpid();
  EXPECT_NE(ns_inode(pid, "net"), ns_inode(self, "net"));
  EXPECT_NE(ns_inode(pid, "uts"), ns_inode(self, "uts"));
  EXPECT_EQ(ns_inode(pid, "ipc"), ns_inode(self, "ipc"));
  EXPECT_EQ(ns_inode(pid, "pid"), ns_inode(self, "pid"));
  (*p)->kill(SIGKILL).IgnoreError();
  ASSERT_TRUE(exits_.wait(p->get()));
}

std::string run_in(pid_t pid, const std::string& ns_flags, const std::string& command) {
  std::string out;
  std::string cmd = absl::StrCat("nsenter ", ns_flags, " -t ", pid, " ", command, " 2>&1");
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (size_t n = ::fread(buf, 1, sizeof buf, f)) out.append(buf, n);
    ::pclose(f);
  }
  return out;
}

// A sandbox left in pause() by a failed ASSERT would outlive the test: killed on every way out.
auto kill_on_exit(const absl::StatusOr<std::unique_ptr<Process>>& p) {
  return absl::Cleanup([&p] {
    if (p.ok() && *p) (*p)->kill(SIGKILL).IgnoreError();
  });
}

void pod_sandbox_spec(Bundle& b) {
  b.add_guest("loop");
  // CRI's pause container: an ELF /pause that the image need not even hold.
  b.spec["process"]["args"] = {"/pause"};
  // CRI asks -998; lowering a score needs CAP_SYS_RESOURCE, which a test host may not grant.
  b.spec["process"]["oomScoreAdj"] = 500;
  b.spec["annotations"]["io.kubernetes.cri.container-type"] = "sandbox";
}

TEST_F(ContainerTest, APodSandboxHoldsItsNamespacesAndRunsNothing) {
  Bundle b;
  pod_sandbox_spec(b);
  b.spec["hostname"] = "wasm-pod";
  b.spec["linux"]["namespaces"] = {
      {{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}}, {{"type", "uts"}}};
  CreateConfig c = b.create_config();
  auto p = create(b, c);
  auto guard = kill_on_exit(p);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->start().ok());
  pid_t pid = static_cast<pid_t>((*p)->pid()), self = ::getpid();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(::kill(pid, 0), 0) << "the sandbox process must stay until it is killed";
  for (const char* ns : {"net", "ipc", "uts"})
    EXPECT_NE(ns_inode(pid, ns), ns_inode(self, ns)) << ns;
  EXPECT_EQ(run_in(pid, "-u", "hostname"), "wasm-pod\n");
  EXPECT_NE(run_in(pid, "-n", "ip -o link show lo").find(",UP"), std::string::npos)
      << "lo is up in the new network namespace";
  EXPECT_EQ(slurp(absl::StrCat("/proc/", pid, "/oom_score_adj")), "500\n");
  // An exec would run a module of the pause image in the shim's mount namespace.
  ExecConfig e{"e1", {}, R"({"args":["/app.wasm"],"cwd":"/"})"};
  auto exec = runtime_.exec(c, **p, e);
  EXPECT_EQ(exec.status().code(), absl::StatusCode::kFailedPrecondition) << exec.status();
  EXPECT_NE(exec.status().message().find("pod sandbox"), std::string::npos) << exec.status();
  ASSERT_TRUE((*p)->kill(SIGTERM).ok());
  std::optional<ExitStatus> exit = exits_.wait(p->get());
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->code, 128u + SIGTERM);
}

// What CRI does: the pod's network namespace is made by the CNI side and bind-mounted on a file
// (/var/run/netns/cni-...); the sandbox joins it by that path.
TEST_F(ContainerTest, APodSandboxJoinsANetworkNamespaceByPath) {
  Bundle b;
  std::string netns = b.dir + "/netns";
  std::ofstream(netns).close();
  ASSERT_EQ(std::system(("unshare --net=" + netns + " true").c_str()), 0);
  absl::Cleanup unmount = [&netns] { ::umount2(netns.c_str(), MNT_DETACH); };
  struct stat st {};
  ASSERT_EQ(::stat(netns.c_str(), &st), 0);
  pod_sandbox_spec(b);
  b.spec["linux"]["namespaces"] = {{{"type", "network"}, {"path", netns}}, {{"type", "ipc"}}};
  auto p = create(b, b.create_config());
  auto guard = kill_on_exit(p);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->start().ok());
  pid_t pid = static_cast<pid_t>((*p)->pid());
  EXPECT_EQ(ns_inode(pid, "net"), st.st_ino);
  EXPECT_NE(ns_inode(pid, "ipc"), ns_inode(::getpid(), "ipc"));
  ASSERT_TRUE((*p)->kill(SIGKILL).ok());
  ASSERT_TRUE(exits_.wait(p->get()));
}

TEST_F(ContainerTest, APodSandboxWithABadNamespacePathFailsCreateAtOnce) {
  Bundle b;
  std::string fifo = b.dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  pod_sandbox_spec(b);
  for (const std::string& path : {fifo, b.dir + "/none", std::string("/proc/self/ns/uts")}) {
    SCOPED_TRACE(path);
    b.spec["linux"]["namespaces"] = {{{"type", "ipc"}}, {{"type", "network"}, {"path", path}}};
    auto start = std::chrono::steady_clock::now();
    auto p = create(b, b.create_config());
    auto guard = kill_on_exit(p);
    ASSERT_FALSE(p.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
    EXPECT_EQ(p.status().message().rfind("config.json: linux.namespaces[1]: ", 0), 0u)
        << p.status();
  }
  b.spec["linux"]["namespaces"] = {{{"type", "network"}}, {{"type", "user"}}};
  auto p = create(b, b.create_config());
  auto guard = kill_on_exit(p);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnimplemented) << p.status();
}

TEST_F(ContainerTest, TheOomScoreAdjOfTheSpecIsTheInstanceProcesss) {
  Bundle b;
  b.add_guest("loop");
  b.spec["process"]["oomScoreAdj"] = 123;
  auto p = create(b, b.create_config());
  auto guard = kill_on_exit(p);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(slurp(absl::StrCat("/proc/", (*p)->pid(), "/oom_score_adj")), "123\n");
  ASSERT_TRUE((*p)->kill(SIGKILL).ok());
  ASSERT_TRUE(exits_.wait(p->get()));
}

TEST_F(ContainerTest, AnUnknownRlimitFailsCreate) {
  Bundle b;
  b.add_guest("ok");
  b.spec["process"]["rlimits"] = {{{"type", "RLIMIT_BOGUS"}, {"hard", 1}, {"soft", 1}}};
  auto p = create(b, b.create_config());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), "config.json: process.rlimits: unknown type RLIMIT_BOGUS");
}

TEST_F(ContainerTest, PrestartAndCreateRuntimeHooksSeeTheInstance) {
  Bundle b;
  b.add_guest("loop");
  std::string state = b.dir + "/state.json", net = b.dir + "/net";
  b.spec["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "network"}}};
  b.spec["annotations"] = {{"io.example", "yes"}};
  b.spec["hooks"]["prestart"] = nlohmann::json::array({sh_hook("cat > " + state)});
  b.spec["hooks"]["createRuntime"] = nlohmann::json::array({sh_hook(
      "pid=$(sed 's/.*\"pid\":\\([0-9]*\\).*/\\1/'); readlink /proc/$pid/ns/net > " + net)});
  auto p = create(b, b.create_config("hooked"));
  ASSERT_TRUE(p.ok()) << p.status();
  uint32_t pid = (*p)->pid();
  EXPECT_EQ(slurp(state),
            absl::StrCat(R"({"ociVersion":"1.0.2","id":"hooked","status":"creating",)", R"("pid":)",
                         pid, R"(,"bundle":")", b.dir, R"(","annotations":{"io.example":"yes"}})"));
  EXPECT_EQ(slurp(net), absl::StrCat("net:[", ns_inode(static_cast<pid_t>(pid), "net"), "]\n"));
  (*p)->kill(SIGKILL).IgnoreError();
  ASSERT_TRUE(exits_.wait(p->get()));
}

TEST_F(ContainerTest, AFailingPrestartHookFailsCreateAndLeavesNothing) {
  Bundle b;
  std::string image = b.dir + "/image";
  fs::create_directories(image);
  fs::copy_file(testing::guest_file("loop"), image + "/app.wasm");
  b.spec["hooks"]["prestart"] = nlohmann::json::array({sh_hook("echo no network >&2; exit 1")});
  CreateConfig c = b.create_config();
  c.rootfs = {RootfsMount{"bind", image, "", {"rbind"}}};
  std::vector<pid_t> before = child_pids();
  auto p = create(b, c);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "prestart hook /bin/sh: exited with code 1: no network");
  EXPECT_EQ(child_pids(), before);
  EXPECT_FALSE(mounted(b.rootfs));
}

TEST_F(ContainerTest, PoststartAndPoststopHooksRunAtStartAndDestroy) {
  Bundle b;
  b.add_guest("ok");
  std::string log = b.dir + "/hooks.log";
  b.spec["hooks"]["poststart"] = nlohmann::json::array({sh_hook("echo poststart >> " + log)});
  b.spec["hooks"]["poststop"] = nlohmann::json::array({sh_hook("echo poststop >> " + log)});
  auto p = create(b, b.create_config());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(fs::exists(log));
  EXPECT_EQ(run(**p), 0);
  EXPECT_EQ(slurp(log), "poststart\n");
  EXPECT_TRUE((*p)->destroy().ok());
  EXPECT_EQ(slurp(log), "poststart\npoststop\n");
}

TEST_F(ContainerTest, AnExecJoinsTheInitProcessNamespaces) {
  Bundle b;
  b.add_guest("loop");
  b.add_guest("ok", "/bin/ok.wasm");
  b.spec["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "network"}}, {{"type", "uts"}}};
  CreateConfig c = b.create_config();
  auto init = create(b, c);
  ASSERT_TRUE(init.ok()) << init.status();
  ASSERT_TRUE((*init)->start().ok());
  ExecConfig e{"e1", {}, R"({"args":["/bin/ok.wasm"],"env":[],"cwd":"/"})"};
  auto exec = runtime_.exec(c, **init, e);
  ASSERT_TRUE(exec.ok()) << exec.status();
  pid_t ip = static_cast<pid_t>((*init)->pid()), ep = static_cast<pid_t>((*exec)->pid());
  for (const char* ns : {"mnt", "net", "uts", "ipc"}) {
    EXPECT_EQ(ns_inode(ep, ns), ns_inode(ip, ns)) << ns;
  }
  EXPECT_EQ(run(**exec), 0);
  ExecConfig missing{"e2", {}, R"({"args":["/bin/none.wasm"],"cwd":"/"})"};
  auto bad = runtime_.exec(c, **init, missing);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("/bin/none.wasm"), std::string::npos) << bad.status();
  ASSERT_TRUE((*init)->kill(SIGKILL).ok());
  ASSERT_TRUE(exits_.wait(init->get()));
  ExecConfig late{"e3", {}, R"({"args":["/bin/ok.wasm"],"cwd":"/"})"};
  EXPECT_EQ(runtime_.exec(c, **init, late).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*exec)->destroy().ok());
  EXPECT_TRUE((*init)->destroy().ok());
}

TEST_F(ContainerTest, StdioGoesToFilesFifosAndTerminals) {
  Bundle b;
  b.add_guest("trap");
  CreateConfig c = b.create_config("file");
  c.stdio.err = "file://" + b.dir + "/logs/err.log";
  auto p = create(b, c);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(run(**p), 134);
  EXPECT_NE(slurp(b.dir + "/logs/err.log").find("wasm trap: unreachable"), std::string::npos);
  EXPECT_EQ((*p)->resize_pty(80, 25).code(), absl::StatusCode::kFailedPrecondition);

  CreateConfig t = b.create_config("tty");
  t.stdio.terminal = true;
  t.stdio.out = b.dir + "/tty-out";
  UniqueFd out = testing::make_fifo_reader(t.stdio.out);
  auto q = create(b, t);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE((*q)->resize_pty(120, 40).ok());
  char tty[256] = {};
  ASSERT_GT(::readlink(absl::StrCat("/proc/", (*q)->pid(), "/fd/2").c_str(), tty, 255), 0);
  EXPECT_EQ(std::string(tty).rfind("/dev/pts/", 0), 0u) << tty;
  EXPECT_EQ(run(**q), 134);
  std::string text = testing::read_until_eof(out.get(), absl::Seconds(5));
  EXPECT_NE(text.find("wasm trap: unreachable"), std::string::npos) << text;

  CreateConfig bin = b.create_config("bin");
  bin.stdio.out = "binary:///usr/bin/logger?x=1";
  auto r = create(b, bin);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented) << r.status();
}

TEST_F(ContainerTest, StdinIsAPipeFedFromTheFifo) {
  Bundle b;
  b.add_guest("loop");
  CreateConfig c = b.create_config();
  c.stdio.in = b.dir + "/stdin";
  ASSERT_EQ(::mkfifo(c.stdio.in.c_str(), 0600), 0);
  auto p = create(b, c);
  ASSERT_TRUE(p.ok()) << p.status();
  char link[256] = {};
  ASSERT_GT(::readlink(absl::StrCat("/proc/", (*p)->pid(), "/fd/0").c_str(), link, 255), 0);
  EXPECT_EQ(std::string(link).rfind("pipe:", 0), 0u) << link;
  EXPECT_TRUE((*p)->close_stdin().ok());
  (*p)->kill(SIGKILL).IgnoreError();
  ASSERT_TRUE(exits_.wait(p->get()));
  EXPECT_TRUE((*p)->destroy().ok());
}

}  // namespace
}  // namespace ws::shim
