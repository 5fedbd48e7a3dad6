// Integration: our ttrpc client forwards a TaskExit event to a private containerd (Debian's
// 1.6) started by the test, and `ctr events` sees it decoded. Needs root and containerd.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/any.h"
#include "proto/containerd/events/task.pb.h"
#include "proto/containerd/services/ttrpc/events/v1/events.pb.h"
#include "shim/ttrpc/client.h"

extern char** environ;

namespace ws::shim::ttrpc {
namespace {

constexpr std::string_view kEvents = "containerd.services.events.ttrpc.v1.Events";

// A child process with stdout and stderr in a file; killed and reaped on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() { stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  // SIGTERM, then SIGKILL after 5 s; always reaps.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      ::usleep(50'000);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
  }
  return false;
}

containerd::services::events::ttrpc::v1::ForwardRequest exit_event(const std::string& id,
                                                                   const std::string& topic) {
  containerd::events::TaskExit exit;
  exit.set_container_id(id);
  exit.set_id(id);
  exit.set_pid(4242);
  exit.set_exit_status(7);
  exit.mutable_exited_at()->set_seconds(1700000000);
  containerd::services::events::ttrpc::v1::ForwardRequest req;
  auto* env = req.mutable_envelope();
  absl::Time now = absl::Now();
  env->mutable_timestamp()->set_seconds(absl::ToUnixSeconds(now));
  env->set_namespace_("default");
  env->set_topic(topic);
  ws::proto::PackBare(exit, env->mutable_event());
  return req;
}

class ContainerdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run containerd";
    if (!on_path("containerd") || !on_path("ctr")) GTEST_SKIP() << "containerd/ctr not installed";
    char tmpl[] = "/tmp/ws_ctrd_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    grpc_ = dir_ + "/c.sock";
    ttrpc_ = dir_ + "/c.sock.ttrpc";
    std::ofstream(dir_ + "/config.toml")
        << "version = 2\n"
        << "root = \"" << dir_ << "/root\"\n"
        << "state = \"" << dir_ << "/state\"\n"
        << "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
        << "[grpc]\n  address = \"" << grpc_ << "\"\n"
        << "[ttrpc]\n  address = \"" << ttrpc_ << "\"\n"
        << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << dir_ << "/opt\"\n";
    containerd_ = std::make_unique<Child>(
        std::vector<std::string>{"containerd", "--config", dir_ + "/config.toml"},
        dir_ + "/containerd.log");
    for (int i = 0; i < 200 && !client_; ++i) {
      ASSERT_TRUE(containerd_->running()) << read_text(dir_ + "/containerd.log");
      if (auto c = Client::connect(ttrpc_, absl::Seconds(1)); c.ok()) client_ = *std::move(c);
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_TRUE(client_) << "containerd did not open " << ttrpc_ << "\n"
                         << read_text(dir_ + "/containerd.log");
  }

  void TearDown() override {
    client_.reset();
    events_.reset();
    containerd_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  std::string dir_, grpc_, ttrpc_;
  std::unique_ptr<Child> containerd_;
  std::unique_ptr<Child> events_;
  std::unique_ptr<Client> client_;
};

TEST_F(ContainerdTest, ForwardsTaskExitThatSubscribersDecode) {
  const std::string log = dir_ + "/events.log";
  events_ =
      std::make_unique<Child>(std::vector<std::string>{"ctr", "--address", grpc_, "events"}, log);
  CallOptions opts;
  opts.timeout = absl::Seconds(5);
  bool seen = false;
  // `ctr events` subscribes asynchronously: forward until it prints the event (each try is a
  // complete, successful Forward on its own).
  for (int attempt = 0; attempt < 40 && !seen; ++attempt) {
    auto reply = client_->call(kEvents, "Forward",
                               exit_event("ws-probe", "/tasks/exit").SerializeAsString(), opts);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(*reply, "");  // google.protobuf.Empty
    absl::SleepFor(absl::Milliseconds(250));
    seen = read_text(log).find("ws-probe") != std::string::npos;
  }
  const std::string out = read_text(log);
  ASSERT_TRUE(seen) << "ctr events printed:\n" << out;
  EXPECT_NE(out.find("/tasks/exit"), std::string::npos) << out;
  EXPECT_NE(out.find("4242"), std::string::npos) << out;  // decoded, not just the envelope
}

TEST_F(ContainerdTest, ContainerdErrorsComeBackAsStatusCodes) {
  CallOptions opts;
  opts.timeout = absl::Seconds(5);
  auto bad_topic =
      client_->call(kEvents, "Forward", exit_event("x", "tasks/exit").SerializeAsString(), opts);
  EXPECT_EQ(bad_topic.status().code(), absl::StatusCode::kInvalidArgument) << bad_topic.status();
  auto nope = client_->call(kEvents, "Publish", "", opts);
  EXPECT_EQ(nope.status().code(), absl::StatusCode::kUnimplemented) << nope.status();
  auto good =
      client_->call(kEvents, "Forward", exit_event("ok", "/tasks/exit").SerializeAsString(), opts);
  EXPECT_TRUE(good.ok()) << good.status();
}

}  // namespace
}  // namespace ws::shim::ttrpc
