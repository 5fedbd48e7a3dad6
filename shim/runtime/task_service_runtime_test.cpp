// The task service over the real runtime (needs root): the RPC sequence containerd drives, with
// real instance processes, and the events it publishes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "cgroups/cgroup.h"
#include "proto/any.h"
#include "proto/cgroups/v1/metrics.pb.h"
#include "proto/cgroups/v2/metrics.pb.h"
#include "shim/runtime/instance_runtime.h"
#include "shim/runtime/runtime_test_util.h"
#include "shim/task/task_service.h"
#include "support/artifact_cache.h"

namespace ws::shim {
namespace {

using testing::Bundle;

// The container's directory in the memory hierarchy (v1) or the unified one (v2).
std::string memory_dir(const std::string& id) {
  absl::StatusOr<cgroups::Version> v = cgroups::Cgroup::detect("/sys/fs/cgroup");
  std::string ns = testing::test_namespace();
  if (v.ok() && *v == cgroups::Version::kV2) return "/sys/fs/cgroup/" + ns + "/" + id;
  return "/sys/fs/cgroup/memory/" + ns + "/" + id;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The containers of these tests live in /<testing::test_namespace()>/<id>; runtime_test_util
// removes that (then empty) parent at exit.

class Recorder : public Publisher {
 public:
  void publish(const std::string& topic, const google::protobuf::MessageLite&) override {
    std::lock_guard<std::mutex> lock(mu_);
    topics_.push_back(topic);
  }
  std::vector<std::string> topics() {
    std::lock_guard<std::mutex> lock(mu_);
    return topics_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> topics_;
};

class TaskServiceRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount and namespaces)";
  }
  taskapi::CreateTaskRequest create_request(Bundle& b, const std::string& id) {
    b.write_config();
    taskapi::CreateTaskRequest r;
    r.set_id(id);
    r.set_bundle(b.dir);
    return r;
  }
  template <typename R>
  static R req(const std::string& id, const std::string& exec_id = "") {
    R r;
    r.set_id(id);
    if constexpr (requires { r.set_exec_id(exec_id); }) r.set_exec_id(exec_id);
    return r;
  }

  static std::string fresh_cache(const std::string& name) {
    std::string dir =
        ::testing::TempDir() + "/ws_tsrt_cache_" + name + "_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    return dir;
  }
  // Create with the instances' WASMSHIM_CACHE_DIR set to `cache` (restored afterwards).
  absl::StatusOr<taskapi::CreateTaskResponse> create_with_cache(Bundle& b, const std::string& id,
                                                                const std::string& cache) {
    const char* before = std::getenv("WASMSHIM_CACHE_DIR");
    std::string saved = before ? before : "";
    ::setenv("WASMSHIM_CACHE_DIR", cache.c_str(), 1);
    auto created = service_.create(create_request(b, id));
    if (before) {
      ::setenv("WASMSHIM_CACHE_DIR", saved.c_str(), 1);
    } else {
      ::unsetenv("WASMSHIM_CACHE_DIR");
    }
    return created;
  }

  InstanceRuntime runtime_{testing::test_options()};
  Recorder events_;
  TaskService service_{runtime_, events_, [] {}};
};

TEST_F(TaskServiceRuntimeTest, CreateStartWaitDelete) {
  Bundle b;
  b.add_guest("ok");
  auto created = service_.create(create_request(b, "t1"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_GT(created->pid(), 0u);
  auto started = service_.start(req<taskapi::StartRequest>("t1"));
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->pid(), created->pid());
  auto waited = service_.wait(req<taskapi::WaitRequest>("t1"));
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->exit_status(), 0u);
  auto deleted = service_.remove(req<taskapi::DeleteRequest>("t1"));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(events_.topics(), (std::vector<std::string>{"/tasks/create", "/tasks/start",
                                                        "/tasks/exit", "/tasks/delete"}));
}

size_t artifacts_in(const std::string& dir) {
  support::ArtifactCacheOptions o;
  o.dir = dir;
  absl::StatusOr<support::ArtifactCache> c = support::ArtifactCache::open(o);
  return c.ok() ? c->entries().size() : 0;
}

// A cache miss of a large module (probe: wasi-libc's printf, over 16 KiB of code): the guest
// runs at once on the lazy tier (Create stored nothing), and the shim starts the fill outside
// the container's cgroup, so the artifact arrives even though Delete removed that cgroup with
// everything in it. (Compiling up front would store it before Create returns; a fill in the
// container would die with it.)
TEST_F(TaskServiceRuntimeTest, ALargeModulesMissRunsLazilyAndItsFillOutlivesTheContainer) {
  std::string cache = fresh_cache("fill");
  Bundle b;
  b.add_guest("probe");
  auto created = create_with_cache(b, "fill1", cache);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(artifacts_in(cache), 0u);
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("fill1")).ok());
  auto waited = service_.wait(req<taskapi::WaitRequest>("fill1"));
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->exit_status(), 0u);
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("fill1")).ok());
  EXPECT_FALSE(exists(memory_dir("fill1")));
  // Generous: the fill runs at idle priority on a shared machine.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
  while (artifacts_in(cache) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(artifacts_in(cache), 1u);
  std::filesystem::remove_all(cache);
}

// Under a tight pids limit the lazy tier's compile threads might not start: that container's
// miss compiles (and stores) the whole artifact before the guest runs.
TEST_F(TaskServiceRuntimeTest, ATightPidsLimitCompilesUpFront) {
  std::string cache = fresh_cache("pids");
  Bundle b;
  b.add_guest("probe");
  b.spec["linux"]["resources"] = {{"pids", {{"limit", 64}}}};
  auto created = create_with_cache(b, "pids1", cache);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(artifacts_in(cache), 1u);
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("pids1")).ok());
  auto waited = service_.wait(req<taskapi::WaitRequest>("pids1"));
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->exit_status(), 0u);
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("pids1")).ok());
  std::filesystem::remove_all(cache);
}

TEST_F(TaskServiceRuntimeTest, KillTermEndsALoopingGuestWith143AndExecsDieWithInit) {
  Bundle b;
  b.add_guest("loop");
  ASSERT_TRUE(service_.create(create_request(b, "t2")).ok());
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("t2")).ok());
  taskapi::ExecProcessRequest exec;
  exec.set_id("t2");
  exec.set_exec_id("e1");
  exec.mutable_spec()->set_value(R"({"args":["/app.wasm"],"cwd":"/"})");
  ASSERT_TRUE(service_.exec(exec).ok());
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("t2", "e1")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  taskapi::KillRequest kill;
  kill.set_id("t2");
  kill.set_signal(SIGTERM);
  ASSERT_TRUE(service_.kill(kill).ok());
  auto waited = service_.wait(req<taskapi::WaitRequest>("t2"));
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->exit_status(), 143u);
  auto exec_waited = service_.wait(req<taskapi::WaitRequest>("t2", "e1"));
  ASSERT_TRUE(exec_waited.ok());
  EXPECT_EQ(exec_waited->exit_status(), 137u);
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("t2", "e1")).ok());
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("t2")).ok());
}

TEST_F(TaskServiceRuntimeTest, DeleteBeforeStartEndsTheInstanceWithoutAnExitEvent) {
  Bundle b;
  b.add_guest("loop");
  auto created = service_.create(create_request(b, "t3"));
  ASSERT_TRUE(created.ok());
  auto deleted = service_.remove(req<taskapi::DeleteRequest>("t3"));
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->exit_status(), 137u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(events_.topics(), (std::vector<std::string>{"/tasks/create", "/tasks/delete"}));
  EXPECT_NE(::kill(static_cast<pid_t>(created->pid()), 0), 0) << "the instance is still there";
}

// The instance's engine keeps its linear-memory totals in a page the shim reads: Stats carry
// them in field 1000 of the cgroup metrics.
TEST_F(TaskServiceRuntimeTest, StatsCarryTheGuestsLinearMemory) {
  Bundle b;
  b.add_guest("grow");
  auto created = service_.create(create_request(b, "wm1"));
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("wm1")).ok());
  auto wasm_of = [&]() -> ::io::wasmshim::metrics::v1::WasmMetrics {
    auto stats = service_.stats(req<taskapi::StatsRequest>("wm1"));
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (!stats.ok()) return {};
    if (stats->stats().type_url() == "io.containerd.cgroups.v1.Metrics") {
      ::io::containerd::cgroups::v1::Metrics m;
      EXPECT_TRUE(proto::UnpackBare(stats->stats(), &m));
      EXPECT_TRUE(m.has_wasm());
      return m.wasm();
    }
    ::io::containerd::cgroups::v2::Metrics m;
    EXPECT_TRUE(proto::UnpackBare(stats->stats(), &m));
    EXPECT_TRUE(m.has_wasm());
    return m.wasm();
  };
  // memory.grow runs right after start: wait for it (a few seconds at most).
  ::io::wasmshim::metrics::v1::WasmMetrics w;
  for (int i = 0; i < 100; ++i) {
    w = wasm_of();
    if (w.linear_memory_bytes() == 5 * 65536u) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(w.linear_memory_bytes(), 5 * 65536u);
  EXPECT_EQ(w.linear_memory_peak_bytes(), 5 * 65536u);
  taskapi::KillRequest kill;
  kill.set_id("wm1");
  kill.set_signal(SIGKILL);
  ASSERT_TRUE(service_.kill(kill).ok());
  ASSERT_TRUE(service_.wait(req<taskapi::WaitRequest>("wm1")).ok());
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("wm1")).ok());
}

TEST_F(TaskServiceRuntimeTest, CgroupLimitsStatsPauseUpdateAndDelete) {
  Bundle b;
  b.add_guest("loop");
  b.spec["linux"]["resources"] = {{"memory", {{"limit", 128 << 20}}}, {"pids", {{"limit", 16}}}};
  auto created = service_.create(create_request(b, "cg1"));
  ASSERT_TRUE(created.ok()) << created.status();
  // In its cgroup already at create, before the guest may run: in every v1 controller
  // hierarchy (the instance joins them by itself), or in the v2 tree.
  EXPECT_TRUE(testing::in_cgroup(static_cast<pid_t>(created->pid()),
                                 "/" + testing::test_namespace() + "/cg1"));
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("cg1")).ok());

  auto stats = service_.stats(req<taskapi::StatsRequest>("cg1"));
  ASSERT_TRUE(stats.ok()) << stats.status();
  uint64_t limit = 0;
  if (stats->stats().type_url() == "io.containerd.cgroups.v1.Metrics") {
    ::io::containerd::cgroups::v1::Metrics m;
    ASSERT_TRUE(proto::UnpackBare(stats->stats(), &m));
    limit = m.memory().usage().limit();
    EXPECT_GE(m.pids().current(), 1u);  // tasks: the instance has threads
    EXPECT_GT(m.memory().usage().usage(), 0u);
  } else {
    ::io::containerd::cgroups::v2::Metrics m;
    ASSERT_TRUE(proto::UnpackBare(stats->stats(), &m));
    limit = m.memory().usage_limit();
  }
  EXPECT_EQ(limit, 128u << 20);

  ASSERT_TRUE(service_.pause(req<taskapi::PauseRequest>("cg1")).ok());
  EXPECT_EQ(service_.state(req<taskapi::StateRequest>("cg1"))->status(),
            ::containerd::v1::types::PAUSED);
  ASSERT_TRUE(service_.resume(req<taskapi::ResumeRequest>("cg1")).ok());
  EXPECT_EQ(service_.state(req<taskapi::StateRequest>("cg1"))->status(),
            ::containerd::v1::types::RUNNING);

  taskapi::UpdateTaskRequest update;
  update.set_id("cg1");
  update.mutable_resources()->set_value(R"({"memory":{"limit":67108864}})");
  ASSERT_TRUE(service_.update(update).ok());
  stats = service_.stats(req<taskapi::StatsRequest>("cg1"));
  ASSERT_TRUE(stats.ok());
  if (stats->stats().type_url() == "io.containerd.cgroups.v1.Metrics") {
    ::io::containerd::cgroups::v1::Metrics m;
    ASSERT_TRUE(proto::UnpackBare(stats->stats(), &m));
    EXPECT_EQ(m.memory().usage().limit(), 64u << 20);
  }
  update.mutable_resources()->set_value(R"({"memory":{"limit":"x"}})");
  EXPECT_EQ(service_.update(update).code(), absl::StatusCode::kInvalidArgument);

  // Paused, then killed: SIGKILL still ends it.
  ASSERT_TRUE(service_.pause(req<taskapi::PauseRequest>("cg1")).ok());
  taskapi::KillRequest kill;
  kill.set_id("cg1");
  kill.set_signal(SIGKILL);
  ASSERT_TRUE(service_.kill(kill).ok());
  auto waited = service_.wait(req<taskapi::WaitRequest>("cg1"));
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->exit_status(), 137u);
  EXPECT_TRUE(exists(memory_dir("cg1")));
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("cg1")).ok());
  EXPECT_FALSE(exists(memory_dir("cg1")));
  EXPECT_EQ(
      events_.topics(),
      (std::vector<std::string>{"/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed",
                                "/tasks/paused", "/tasks/exit", "/tasks/delete"}));
}

TEST_F(TaskServiceRuntimeTest, OomKillIsReportedAsOomAnd137) {
  Bundle b;
  b.add_guest("hog");
  // No swap escape where swap is accounted (v1 memsw, v2 swap.max).
  b.spec["linux"]["resources"] = {{"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}}};
  ASSERT_TRUE(service_.create(create_request(b, "cg2")).ok());
  ASSERT_TRUE(service_.start(req<taskapi::StartRequest>("cg2")).ok());
  auto waited = service_.wait(req<taskapi::WaitRequest>("cg2"));
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->exit_status(), 137u);
  ASSERT_TRUE(service_.remove(req<taskapi::DeleteRequest>("cg2")).ok());
  EXPECT_EQ(events_.topics(),
            (std::vector<std::string>{"/tasks/create", "/tasks/start", "/tasks/oom", "/tasks/exit",
                                      "/tasks/delete"}));
  EXPECT_FALSE(exists(memory_dir("cg2")));
}

TEST_F(TaskServiceRuntimeTest, BadResourcesFailCreateAndLeaveNoCgroup) {
  Bundle b;
  b.add_guest("ok");
  b.spec["linux"]["resources"] = {{"cpu", {{"cpus", "99999"}}}};
  auto created = service_.create(create_request(b, "cg3"));
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.status().message().find("cpuset.cpus"), absl::string_view::npos)
      << created.status();
  EXPECT_FALSE(exists(memory_dir("cg3")));
  b.spec["linux"]["resources"] = {{"memory", {{"limit", "lots"}}}};
  created = service_.create(create_request(b, "cg3"));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(exists(memory_dir("cg3")));
}

}  // namespace
}  // namespace ws::shim
