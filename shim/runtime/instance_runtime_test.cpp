// InstanceRuntime against real instance processes (needs root: namespaces and mounts).
#include "shim/runtime/instance_runtime.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "shim/runtime/runtime_test_util.h"

namespace ws::shim {
namespace {

namespace fs = std::filesystem;
using testing::Bundle;
using testing::child_pids;
using testing::mounted;

class InstanceRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount and namespaces)";
    runtime_.set_exit_handler(exits_.handler());
  }

  std::unique_ptr<Process> create_ok(Bundle& b, CreateConfig c) {
    b.write_config();
    absl::StatusOr<std::unique_ptr<Process>> p = runtime_.create(c);
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? std::move(*p) : nullptr;
  }

  // Runs to the end and returns the exit code (-1 when none was reported).
  int run(Process& p) {
    EXPECT_TRUE(p.start().ok());
    std::optional<ExitStatus> e = exits_.wait(&p);
    return e ? static_cast<int>(e->code) : -1;
  }

  void expect_create_fails(Bundle& b, const CreateConfig& c, absl::StatusCode code,
                           const std::string& message_part) {
    b.write_config();
    std::vector<pid_t> before = child_pids();
    absl::StatusOr<std::unique_ptr<Process>> p = runtime_.create(c);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), code) << p.status();
    EXPECT_NE(p.status().message().find(message_part), std::string::npos) << p.status();
    EXPECT_EQ(child_pids(), before) << "an instance process was left behind";
    EXPECT_FALSE(mounted(b.rootfs, 0, true)) << "a mount was left behind";
  }

  testing::Exits exits_;
  InstanceRuntime runtime_{testing::test_options()};
};

// After an upgrade a running shim may meet an instance binary that does not join its cgroups
// by itself: the shim adds it then, before the start byte lets any guest code run.
TEST_F(InstanceRuntimeTest, AnInstanceThatJoinsNothingIsAddedBeforeItStarts) {
  InstanceRuntimeOptions o = testing::test_options();
  o.instance_binary = WS_TEST_OLD_INSTANCE;
  InstanceRuntime old(o);
  Bundle b;
  b.add_guest("ok");
  b.write_config();
  absl::StatusOr<std::unique_ptr<Process>> p = old.create(b.create_config("old1"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(testing::in_cgroup(static_cast<pid_t>((*p)->pid()),
                                 "/" + testing::test_namespace() + "/old1"));
  EXPECT_TRUE((*p)->destroy().ok());
}

TEST_F(InstanceRuntimeTest, AGuestThatReturnsExitsZeroReportedOnce) {
  Bundle b;
  b.add_guest("ok");
  auto p = create_ok(b, b.create_config());
  ASSERT_TRUE(p);
  EXPECT_GT(p->pid(), 0u);
  EXPECT_EQ(::kill(static_cast<pid_t>(p->pid()), 0), 0) << "the instance exists at create";
  EXPECT_EQ(run(*p), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(exits_.count(p.get()), 1);
  EXPECT_EQ(p->kill(SIGTERM).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(p->destroy().ok());
}

TEST_F(InstanceRuntimeTest, ATrapIs134WithTheTrapAndBacktraceOnStderr) {
  Bundle b;
  b.add_guest("trap");
  CreateConfig c = b.create_config();
  c.stdio.err = b.dir + "/stderr";
  UniqueFd err = testing::make_fifo_reader(c.stdio.err);
  auto p = create_ok(b, c);
  ASSERT_TRUE(p);
  EXPECT_EQ(run(*p), 134);
  std::string text = testing::read_until_eof(err.get());
  EXPECT_NE(text.find("/app.wasm: wasm trap: unreachable"), std::string::npos) << text;
  EXPECT_NE(text.find("#0 boom (func 0)"), std::string::npos) << text;
  EXPECT_NE(text.find("main (func 1)"), std::string::npos) << text;
  EXPECT_TRUE(p->destroy().ok());
}

TEST_F(InstanceRuntimeTest, SigtermInterruptsARunningGuest) {
  Bundle b;
  b.add_guest("loop");
  auto p = create_ok(b, b.create_config());
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(exits_.wait(p.get(), absl::ZeroDuration()));
  ASSERT_TRUE(p->kill(SIGTERM).ok());
  std::optional<ExitStatus> e = exits_.wait(p.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 143u);
  EXPECT_TRUE(p->destroy().ok());
}

TEST_F(InstanceRuntimeTest, SigintIs130AndSigkillIs137) {
  Bundle b;
  b.add_guest("loop");
  auto p1 = create_ok(b, b.create_config("a"));
  auto p2 = create_ok(b, b.create_config("b"));
  ASSERT_TRUE(p1 && p2);
  ASSERT_TRUE(p1->start().ok());
  ASSERT_TRUE(p2->start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(p1->kill(SIGINT).ok());
  ASSERT_TRUE(p2->kill(SIGKILL).ok());
  std::optional<ExitStatus> e1 = exits_.wait(p1.get()), e2 = exits_.wait(p2.get());
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ(e1->code, 130u);
  EXPECT_EQ(e2->code, 137u);
}

TEST_F(InstanceRuntimeTest, DeathBeforeStartIsReportedOnceAndStartThenFails) {
  Bundle b;
  b.add_guest("loop");
  auto p = create_ok(b, b.create_config());
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->kill(SIGKILL).ok());
  std::optional<ExitStatus> e = exits_.wait(p.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 137u);
  EXPECT_EQ(p->start().code(), absl::StatusCode::kFailedPrecondition);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(exits_.count(p.get()), 1);
  EXPECT_TRUE(p->destroy().ok());
}

TEST_F(InstanceRuntimeTest, SigtermBeforeStartEndsTheWaitingInstanceWith143) {
  Bundle b;
  b.add_guest("loop");
  auto p = create_ok(b, b.create_config());
  ASSERT_TRUE(p);
  ASSERT_TRUE(p->kill(SIGTERM).ok());
  std::optional<ExitStatus> e = exits_.wait(p.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 143u);
}

TEST_F(InstanceRuntimeTest, NoExitIsReportedAfterDestroy) {
  Bundle b;
  b.add_guest("loop");
  auto p = create_ok(b, b.create_config());
  ASSERT_TRUE(p);
  pid_t pid = static_cast<pid_t>(p->pid());
  ASSERT_TRUE(p->destroy().ok());  // the instance sees its sync socket close and leaves
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(::kill(pid, 0), 0) << "the unstarted instance outlived destroy()";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(exits_.count(p.get()), 0);
}

TEST_F(InstanceRuntimeTest, AMissingModuleFailsCreateNamingIt) {
  Bundle b;
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument,
                      "process.args[0]: /app.wasm: not found in the rootfs");
}

TEST_F(InstanceRuntimeTest, AnInvalidModuleFailsCreateNamingItAndTheProblem) {
  Bundle b;
  std::ofstream(b.rootfs + "/app.wasm", std::ios::binary)
      << std::string("\0asm\x01\0\0\0\x01\x7f", 10);  // a type section longer than the file
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument, "/app.wasm: ");
  std::ofstream(b.rootfs + "/app.wasm") << "not wasm at all";
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument, "/app.wasm: ");
}

TEST_F(InstanceRuntimeTest, AModuleThatIsNotACommandFailsCreate) {
  Bundle b;
  std::ofstream(b.rootfs + "/lib.wasm", std::ios::binary)
      << std::string("\0asm\x01\0\0\0", 8);  // an empty module: no _start
  b.spec["process"]["args"] = {"/lib.wasm"};
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument,
                      "/lib.wasm: not a WASI command");
}

TEST_F(InstanceRuntimeTest, Args0CannotEscapeTheRootfs) {
  Bundle b;
  fs::copy_file(testing::guest_file("ok"), b.dir + "/outside.wasm");
  b.spec["process"]["args"] = {"../outside.wasm"};
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument,
                      "../outside.wasm: not found in the rootfs (looked for /outside.wasm)");
  b.spec["process"]["args"] = {"../../etc/passwd"};
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument, "../../etc/passwd");
  fs::create_symlink(b.dir + "/outside.wasm", b.rootfs + "/link.wasm");
  b.spec["process"]["args"] = {"/link.wasm"};
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument,
                      "/link.wasm: not found in the rootfs");
  fs::create_symlink("/", b.rootfs + "/host");
  b.spec["process"]["args"] = {"/host" + b.dir + "/outside.wasm"};
  expect_create_fails(b, b.create_config(), absl::StatusCode::kInvalidArgument,
                      "not found in the rootfs");
}

TEST_F(InstanceRuntimeTest, ModulesAreFoundOnPathAndRelativeToCwd) {
  Bundle b;
  b.add_guest("ok", "/bin/app.wasm");
  b.spec["process"]["args"] = {"app.wasm"};
  auto p1 = create_ok(b, b.create_config("a"));
  ASSERT_TRUE(p1);
  EXPECT_EQ(run(*p1), 0);
  b.spec["process"]["args"] = {"./app.wasm"};
  b.spec["process"]["cwd"] = "/bin";
  auto p2 = create_ok(b, b.create_config("b"));
  ASSERT_TRUE(p2);
  EXPECT_EQ(run(*p2), 0);
}

}  // namespace
}  // namespace ws::shim
