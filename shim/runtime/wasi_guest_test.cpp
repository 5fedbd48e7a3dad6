// WASI guests in instance processes (needs root): exit codes, argv/env, stdio, and the
// container's filesystem as the guest sees it through its in-root "/" preopen.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "shim/runtime/instance_runtime.h"
#include "shim/runtime/runtime_test_util.h"

namespace ws::shim {
namespace {

namespace fs = std::filesystem;
using testing::Bundle;

std::string slurp(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

class WasiGuestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount and namespaces)";
    runtime_.set_exit_handler(exits_.handler());
    b_.add_guest("probe", "/probe.wasm");
  }

  // Runs `probe <args...>` with stdout and stderr in files; returns the exit code.
  int probe(const std::vector<std::string>& args, const std::string& id = "c1") {
    b_.spec["process"]["args"] = nlohmann::json::array({"/probe.wasm"});
    for (const std::string& a : args) b_.spec["process"]["args"].push_back(a);
    b_.write_config();
    CreateConfig c = b_.create_config(id);
    c.stdio.out = "file://" + out_;
    c.stdio.err = "file://" + out_;
    auto p = runtime_.create(c);
    EXPECT_TRUE(p.ok()) << p.status();
    if (!p.ok()) return -1;
    EXPECT_TRUE((*p)->start().ok());
    std::optional<ExitStatus> e = exits_.wait(p->get());
    EXPECT_TRUE((*p)->destroy().ok());
    exits_.forget(p->get());
    return e ? static_cast<int>(e->code) : -1;
  }
  std::string output() {
    std::string s = slurp(out_);
    fs::remove(out_);
    return s;
  }

  Bundle b_;
  std::string out_ = b_.dir + "/out.log";
  testing::Exits exits_;
  InstanceRuntime runtime_{testing::test_options()};
};

TEST_F(WasiGuestTest, ExitCodesPropagate) {
  EXPECT_EQ(probe({"exit", "42"}), 42);
  EXPECT_EQ(probe({"exit", "0"}), 0);
  b_.add_guest("exit7");
  b_.spec["process"]["args"] = {"/app.wasm"};
  b_.write_config();
  auto p = runtime_.create(b_.create_config("seven"));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->start().ok());
  std::optional<ExitStatus> e = exits_.wait(p->get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 7u);
}

TEST_F(WasiGuestTest, ArgvAndEnvAreTheSpecsExactly) {
  b_.spec["process"]["env"] = {"A=1", "B=x=y", "EMPTY="};
  EXPECT_EQ(probe({"args", "two words"}), 0);
  EXPECT_EQ(output(), "arg /probe.wasm\narg args\narg two words\nenv A=1\nenv B=x=y\nenv EMPTY=\n");
}

// A started `probe stdin` guest reading the FIFO <dir>/stdin, its stdout on a FIFO reader.
struct StdinProbe {
  std::string in_path;
  UniqueFd out;
  std::unique_ptr<Process> process;
};

StdinProbe start_stdin_probe(Bundle& b, InstanceRuntime& runtime) {
  b.spec["process"]["args"] = {"/probe.wasm", "stdin"};
  b.write_config();
  CreateConfig c = b.create_config();
  c.stdio.in = b.dir + "/stdin";
  c.stdio.out = b.dir + "/stdout";
  StdinProbe probe{c.stdio.in, {}, nullptr};
  EXPECT_EQ(::mkfifo(c.stdio.in.c_str(), 0600), 0);
  probe.out = testing::make_fifo_reader(c.stdio.out);
  auto p = runtime.create(c);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return probe;
  EXPECT_TRUE((*p)->start().ok());
  probe.process = std::move(*p);
  return probe;
}

// The client closing its end of the stdin FIFO is EOF for the guest (ctr sends no CloseIO).
TEST_F(WasiGuestTest, StdinThroughThePipeEndsWhenTheClientCloses) {
  StdinProbe probe = start_stdin_probe(b_, runtime_);
  ASSERT_TRUE(probe.process);
  // No writer yet: that is no EOF.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(exits_.wait(probe.process.get(), absl::ZeroDuration())) << "EOF before any writer";
  {
    UniqueFd in(::open(probe.in_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
    ASSERT_TRUE(in.valid());
    ASSERT_TRUE(write_all(in.get(), "hello\nworld\n", "stdin").ok());
  }
  std::optional<ExitStatus> e = exits_.wait(probe.process.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 0u);
  EXPECT_EQ(testing::read_until_eof(probe.out.get()), "hello\nworld\n<EOF>\n");
  EXPECT_TRUE(probe.process->destroy().ok());
}

// CloseIO ends the guest's stdin while the client still holds the FIFO open.
TEST_F(WasiGuestTest, CloseStdinEndsTheGuestsStdin) {
  StdinProbe probe = start_stdin_probe(b_, runtime_);
  ASSERT_TRUE(probe.process);
  UniqueFd in(::open(probe.in_path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
  ASSERT_TRUE(in.valid());
  ASSERT_TRUE(write_all(in.get(), "hello\n", "stdin").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(exits_.wait(probe.process.get(), absl::ZeroDuration()))
      << "EOF while the writer is open";
  ASSERT_TRUE(probe.process->close_stdin().ok());
  std::optional<ExitStatus> e = exits_.wait(probe.process.get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 0u);
  EXPECT_EQ(testing::read_until_eof(probe.out.get()), "hello\n<EOF>\n");
  EXPECT_TRUE(probe.process->destroy().ok());
}

TEST_F(WasiGuestTest, SpecMountsAreWhatTheGuestSees) {
  fs::create_directories(b_.dir + "/data");
  std::ofstream(b_.dir + "/data/msg") << "from the host\n";
  b_.spec["mounts"] = {{{"destination", "/data"},
                        {"type", "bind"},
                        {"source", b_.dir + "/data"},
                        {"options", {"rbind", "ro"}}},
                       {{"destination", "/scratch"},
                        {"type", "tmpfs"},
                        {"source", "tmpfs"},
                        {"options", {"size=1m"}}}};
  EXPECT_EQ(probe({"cat", "/data/msg"}), 0);
  EXPECT_EQ(output(), "from the host\n");
  EXPECT_EQ(probe({"write", "/data/new"}), 2);
  EXPECT_EQ(output(), "write /data/new: Read-only file system\n");
  EXPECT_EQ(probe({"write", "/scratch/new"}), 0);
  EXPECT_FALSE(fs::exists(b_.rootfs + "/scratch/new")) << "tmpfs writes reached the rootfs";
  EXPECT_EQ(probe({"write", "/top"}), 0);
  EXPECT_EQ(slurp(b_.rootfs + "/top"), "written\n");
}

TEST_F(WasiGuestTest, AReadOnlyRootKeepsItsReadWriteMountsWritable) {
  b_.spec["root"]["readonly"] = true;
  b_.spec["mounts"] = {
      {{"destination", "/tmp"}, {"type", "tmpfs"}, {"source", "tmpfs"}, {"options", {"size=1m"}}}};
  EXPECT_EQ(probe({"write", "/top"}), 2);
  EXPECT_EQ(output(), "write /top: Read-only file system\n");
  EXPECT_EQ(probe({"write", "/tmp/ok"}), 0);
}

TEST_F(WasiGuestTest, TheGuestRunsAsTheSpecsUser) {
  b_.spec["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
  b_.spec["mounts"] = {{{"destination", "/tmp"},
                        {"type", "tmpfs"},
                        {"source", "tmpfs"},
                        {"options", {"mode=1777", "size=1m"}}}};
  EXPECT_EQ(probe({"write", "/top"}), 2);
  EXPECT_EQ(output(), "write /top: Permission denied\n");
  EXPECT_EQ(probe({"write", "/tmp/mine"}), 0);
}

TEST_F(WasiGuestTest, AbsoluteSymlinksInTheImageStayInside) {
  fs::create_directories(b_.rootfs + "/etc");
  std::ofstream(b_.rootfs + "/etc/motd") << "inside\n";
  fs::create_symlink("/etc/motd", b_.rootfs + "/motd");
  fs::create_symlink("/", b_.rootfs + "/host");
  EXPECT_EQ(probe({"cat", "/motd"}), 0);
  EXPECT_EQ(output(), "inside\n");
  EXPECT_EQ(probe({"cat", "/host/etc/motd"}), 0);
  EXPECT_EQ(output(), "inside\n");
  EXPECT_EQ(probe({"cat", "/../../etc/hostname"}), 1);
}

TEST_F(WasiGuestTest, AnExecSeesTheInitProcessMounts) {
  fs::create_directories(b_.dir + "/data");
  std::ofstream(b_.dir + "/data/msg") << "shared\n";
  b_.spec["mounts"] = {{{"destination", "/data"},
                        {"type", "bind"},
                        {"source", b_.dir + "/data"},
                        {"options", {"rbind"}}}};
  b_.spec["process"]["args"] = {"/probe.wasm", "sleep"};
  b_.write_config();
  CreateConfig c = b_.create_config();
  auto init = runtime_.create(c);
  ASSERT_TRUE(init.ok()) << init.status();
  ASSERT_TRUE((*init)->start().ok());
  ExecConfig e{"e1",
               {"", "file://" + out_, "file://" + out_, false},
               R"({"args":["/probe.wasm","cat","/data/msg"],"env":[],"cwd":"/"})"};
  auto exec = runtime_.exec(c, **init, e);
  ASSERT_TRUE(exec.ok()) << exec.status();
  ASSERT_TRUE((*exec)->start().ok());
  std::optional<ExitStatus> done = exits_.wait(exec->get());
  ASSERT_TRUE(done);
  EXPECT_EQ(done->code, 0u);
  EXPECT_EQ(output(), "shared\n");
  // The init guest sits in a blocking host call (sleep): SIGTERM still ends it, with 143.
  ASSERT_TRUE((*init)->kill(SIGTERM).ok());
  std::optional<ExitStatus> stopped = exits_.wait(init->get());
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->code, 143u);
  EXPECT_TRUE((*exec)->destroy().ok());
  EXPECT_TRUE((*init)->destroy().ok());
}

TEST_F(WasiGuestTest, ATerminalCarriesTheGuestsOutput) {
  b_.spec["process"]["args"] = {"/probe.wasm", "args"};
  b_.spec["process"]["env"] = nlohmann::json::array();
  b_.write_config();
  CreateConfig c = b_.create_config();
  c.stdio.terminal = true;
  c.stdio.out = b_.dir + "/tty";
  UniqueFd out = testing::make_fifo_reader(c.stdio.out);
  auto p = runtime_.create(c);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_TRUE((*p)->start().ok());
  std::optional<ExitStatus> e = exits_.wait(p->get());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 0u);
  // The exit is reported after the output drained; the pty turns \n into \r\n.
  EXPECT_EQ(testing::read_until_eof(out.get(), absl::Seconds(5)),
            "arg /probe.wasm\r\narg args\r\n");
  EXPECT_TRUE((*p)->destroy().ok());
}

}  // namespace
}  // namespace ws::shim
