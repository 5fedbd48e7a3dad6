// Task service rules against a fake runtime and a recording publisher: states, event order,
// status codes for unknown ids, duplicates and illegal transitions.
#include "shim/task/task_service.h"

#include <signal.h>

#include <atomic>
#include <deque>
#include <future>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/containerd/events/task.pb.h"

namespace ws::shim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What a fake process saw; owned by the runtime so tests can read it after the service
// destroyed the process.
struct Record {
  uint32_t pid = 0;
  Process* process = nullptr;
  int starts = 0;
  std::vector<uint32_t> signals;
  std::pair<uint32_t, uint32_t> size{0, 0};
  bool stdin_closed = false;
  bool destroyed = false;
  int pauses = 0, resumes = 0;
  std::vector<std::string> updates;
};

class FakeProcess : public Process {
 public:
  explicit FakeProcess(Record& rec) : rec_(rec) { rec_.process = this; }
  uint32_t pid() const override { return rec_.pid; }
  absl::Status start() override {
    ++rec_.starts;
    return absl::OkStatus();
  }
  absl::Status kill(uint32_t signal) override {
    rec_.signals.push_back(signal);
    return absl::OkStatus();
  }
  absl::Status resize_pty(uint32_t w, uint32_t h) override {
    rec_.size = {w, h};
    return absl::OkStatus();
  }
  absl::Status close_stdin() override {
    rec_.stdin_closed = true;
    return absl::OkStatus();
  }
  absl::Status destroy() override {
    rec_.destroyed = true;
    return absl::OkStatus();
  }
  absl::Status pause() override {
    ++rec_.pauses;
    return absl::OkStatus();
  }
  absl::Status resume() override {
    ++rec_.resumes;
    return absl::OkStatus();
  }
  absl::Status update(const std::string& json) override {
    rec_.updates.push_back(json);
    return absl::OkStatus();
  }
  absl::StatusOr<cgroups::Stats> stats() override {
    cgroups::Stats s;
    s.memory_usage = 4096;
    s.cpu_throttled_periods = 7;
    return s;
  }

 private:
  Record& rec_;
};

class FakeRuntime : public Runtime {
 public:
  void set_exit_handler(ExitHandler h) override { handler = std::move(h); }
  absl::StatusOr<std::unique_ptr<Process>> create(const CreateConfig& config) override {
    created.push_back(config);
    if (!create_result.ok()) return create_result;
    auto p = make();
    if (die_during_create) handler(p.get(), ExitStatus{3, absl::Now(), false});
    return p;
  }
  absl::StatusOr<std::unique_ptr<Process>> exec(const CreateConfig&, Process&,
                                                const ExecConfig& config) override {
    execs.push_back(config);
    return make();
  }
  std::unique_ptr<Process> make() {
    records.emplace_back();
    last = &records.back();
    last->pid = next_pid++;
    return std::make_unique<FakeProcess>(*last);
  }
  void exit(Record* r, uint32_t code, bool oom = false) {
    handler(r->process, ExitStatus{code, absl::FromUnixSeconds(1700000000), oom});
  }

  ExitHandler handler;
  std::vector<CreateConfig> created;
  std::vector<ExecConfig> execs;
  absl::Status create_result;
  bool die_during_create = false;
  uint32_t next_pid = 100;
  std::deque<Record> records;
  Record* last = nullptr;
};

class RecordingPublisher : public Publisher {
 public:
  void publish(const std::string& topic, const google::protobuf::MessageLite& ev) override {
    std::lock_guard<std::mutex> lock(mu);
    topics.push_back(topic);
    payloads.push_back(ev.SerializeAsString());
  }
  std::vector<std::string> seen() {
    std::lock_guard<std::mutex> lock(mu);
    return topics;
  }
  std::mutex mu;
  std::vector<std::string> topics;
  std::vector<std::string> payloads;
};

class TaskServiceTest : public ::testing::Test {
 protected:
  TaskServiceTest() : service(runtime, publisher, [this] { ++shutdowns; }) {}

  Record* create(const std::string& id) {
    taskapi::CreateTaskRequest r;
    r.set_id(id);
    r.set_bundle("/run/b/" + id);
    r.set_stdout("/fifo/" + id + "-out");
    auto* m = r.add_rootfs();
    m->set_type("overlay");
    m->set_source("overlay");
    m->add_options("lowerdir=/l");
    absl::StatusOr<taskapi::CreateTaskResponse> out = service.create(r);
    EXPECT_TRUE(out.ok()) << out.status();
    return runtime.last;
  }
  absl::Status start(const std::string& id, const std::string& exec_id = "") {
    taskapi::StartRequest r;
    r.set_id(id);
    r.set_exec_id(exec_id);
    return service.start(r).status();
  }
  absl::StatusOr<taskapi::StateResponse> state(const std::string& id,
                                               const std::string& exec_id = "") {
    taskapi::StateRequest r;
    r.set_id(id);
    r.set_exec_id(exec_id);
    return service.state(r);
  }
  absl::StatusOr<taskapi::DeleteResponse> remove(const std::string& id,
                                                 const std::string& exec_id = "") {
    taskapi::DeleteRequest r;
    r.set_id(id);
    r.set_exec_id(exec_id);
    return service.remove(r);
  }
  absl::Status kill(const std::string& id, uint32_t sig, const std::string& exec_id = "",
                    bool all = false) {
    taskapi::KillRequest r;
    r.set_id(id);
    r.set_exec_id(exec_id);
    r.set_signal(sig);
    r.set_all(all);
    return service.kill(r);
  }
  absl::StatusOr<taskapi::WaitResponse> wait(const std::string& id,
                                             const std::string& exec_id = "") {
    taskapi::WaitRequest r;
    r.set_id(id);
    r.set_exec_id(exec_id);
    return service.wait(r);
  }
  absl::Status exec(const std::string& id, const std::string& exec_id) {
    taskapi::ExecProcessRequest r;
    r.set_id(id);
    r.set_exec_id(exec_id);
    r.mutable_spec()->set_type_url("types.containerd.io/opencontainers/runtime-spec/1/Process");
    r.mutable_spec()->set_value(R"({"args":["/x.wasm"]})");
    return service.exec(r);
  }

  FakeRuntime runtime;
  RecordingPublisher publisher;
  std::atomic<int> shutdowns{0};
  TaskService service;
};

TEST_F(TaskServiceTest, LifecycleAndEventOrder) {
  Record* p = create("c1");
  ASSERT_EQ(runtime.created.size(), 1u);
  EXPECT_EQ(runtime.created[0].bundle, "/run/b/c1");
  ASSERT_EQ(runtime.created[0].rootfs.size(), 1u);
  EXPECT_EQ(runtime.created[0].rootfs[0].options[0], "lowerdir=/l");
  EXPECT_EQ(runtime.created[0].stdio.out, "/fifo/c1-out");

  absl::StatusOr<taskapi::StateResponse> st = state("c1");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->status(), ::containerd::v1::types::CREATED);
  EXPECT_EQ(st->pid(), 100u);
  EXPECT_EQ(st->bundle(), "/run/b/c1");
  EXPECT_EQ(st->stdout(), "/fifo/c1-out");

  ASSERT_TRUE(start("c1").ok());
  EXPECT_EQ(p->starts, 1);
  EXPECT_EQ(state("c1")->status(), ::containerd::v1::types::RUNNING);

  runtime.exit(p, 7);
  absl::StatusOr<taskapi::WaitResponse> w = wait("c1");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->exit_status(), 7u);
  EXPECT_EQ(w->exited_at().seconds(), 1700000000);
  EXPECT_EQ(state("c1")->status(), ::containerd::v1::types::STOPPED);
  EXPECT_EQ(state("c1")->exit_status(), 7u);

  absl::StatusOr<taskapi::DeleteResponse> d = remove("c1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->exit_status(), 7u);
  EXPECT_EQ(d->pid(), 100u);
  EXPECT_TRUE(p->destroyed);
  EXPECT_THAT(publisher.seen(),
              ElementsAre("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"));

  ::containerd::events::TaskExit exit_ev;
  ASSERT_TRUE(exit_ev.ParseFromString(publisher.payloads[2]));
  EXPECT_EQ(exit_ev.container_id(), "c1");
  EXPECT_EQ(exit_ev.id(), "c1");
  EXPECT_EQ(exit_ev.pid(), 100u);
  EXPECT_EQ(exit_ev.exit_status(), 7u);
  EXPECT_EQ(state("c1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TaskServiceTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(state("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(start("nope").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(kill("nope", SIGTERM).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(remove("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(wait("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(exec("nope", "e1").code(), absl::StatusCode::kNotFound);
  taskapi::PidsRequest pr;
  pr.set_id("nope");
  EXPECT_EQ(service.pids(pr).status().code(), absl::StatusCode::kNotFound);
  create("c1");
  EXPECT_EQ(state("c1", "e9").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(state("nope").status().message()), HasSubstr("task nope not found"));
}

TEST_F(TaskServiceTest, DuplicatesAndIllegalTransitions) {
  Record* p = create("c1");
  taskapi::CreateTaskRequest again;
  again.set_id("c1");
  EXPECT_EQ(service.create(again).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(runtime.created.size(), 1u);  // the runtime never saw the duplicate

  ASSERT_TRUE(start("c1").ok());
  EXPECT_EQ(start("c1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(remove("c1").status().code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(kill("c1", SIGTERM).ok());
  EXPECT_THAT(p->signals, ElementsAre(SIGTERM));
  runtime.exit(p, 128 + SIGTERM);
  EXPECT_EQ(kill("c1", SIGKILL).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(kill("c1", SIGKILL, "", /*all=*/true).ok());
  EXPECT_EQ(start("c1").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(remove("c1").ok());
}

TEST_F(TaskServiceTest, CreateFailureLeavesNothing) {
  runtime.create_result = absl::InvalidArgumentError("/run/b/c1/rootfs/app.wasm: not a module");
  taskapi::CreateTaskRequest r;
  r.set_id("c1");
  absl::StatusOr<taskapi::CreateTaskResponse> out = service.create(r);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("app.wasm: not a module"));
  EXPECT_EQ(service.size(), 0u);
  EXPECT_TRUE(publisher.seen().empty());
  runtime.create_result = absl::OkStatus();
  create("c1");  // the id is free again
  EXPECT_EQ(service.size(), 1u);
}

TEST_F(TaskServiceTest, WaitBlocksUntilExit) {
  Record* p = create("c1");
  ASSERT_TRUE(start("c1").ok());
  std::future<absl::StatusOr<taskapi::WaitResponse>> w1 =
      std::async(std::launch::async, [&] { return wait("c1"); });
  std::future<absl::StatusOr<taskapi::WaitResponse>> w2 =
      std::async(std::launch::async, [&] { return wait("c1"); });
  EXPECT_EQ(w1.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  EXPECT_TRUE(state("c1").ok());  // other calls proceed while Wait blocks
  runtime.exit(p, 0);
  EXPECT_EQ(w1.get()->exit_status(), 0u);
  EXPECT_EQ(w2.get()->exit_status(), 0u);
}

TEST_F(TaskServiceTest, ExecProcesses) {
  Record* init = create("c1");
  ASSERT_TRUE(start("c1").ok());
  ASSERT_TRUE(exec("c1", "e1").ok());
  Record* e1 = runtime.last;
  ASSERT_EQ(runtime.execs.size(), 1u);
  EXPECT_EQ(runtime.execs[0].process_json, R"({"args":["/x.wasm"]})");
  EXPECT_EQ(exec("c1", "e1").code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(state("c1", "e1")->status(), ::containerd::v1::types::CREATED);
  ASSERT_TRUE(start("c1", "e1").ok());
  EXPECT_EQ(state("c1", "e1")->id(), "e1");

  taskapi::PidsRequest pr;
  pr.set_id("c1");
  absl::StatusOr<taskapi::PidsResponse> pids = service.pids(pr);
  ASSERT_TRUE(pids.ok());
  ASSERT_EQ(pids->processes_size(), 2);
  EXPECT_EQ(pids->processes(0).pid(), init->pid);
  EXPECT_EQ(pids->processes(1).pid(), e1->pid);

  // The init process cannot be deleted while an exec runs; its exit kills the execs.
  runtime.exit(init, 0);
  EXPECT_THAT(e1->signals, ElementsAre(SIGKILL));
  EXPECT_EQ(remove("c1").status().code(), absl::StatusCode::kFailedPrecondition);
  runtime.exit(e1, 137);
  EXPECT_EQ(wait("c1", "e1")->exit_status(), 137u);
  EXPECT_TRUE(remove("c1", "e1").ok());
  EXPECT_EQ(state("c1", "e1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(remove("c1").ok());
  EXPECT_THAT(publisher.seen(),
              ElementsAre("/tasks/create", "/tasks/start", "/tasks/exec-added",
                          "/tasks/exec-started", "/tasks/exit", "/tasks/exit", "/tasks/delete"));
  EXPECT_EQ(exec("c1", "e2").code(), absl::StatusCode::kNotFound);
}

TEST_F(TaskServiceTest, ExitDuringCreateIsNotLost) {
  runtime.die_during_create = true;
  create("c1");
  EXPECT_EQ(state("c1")->status(), ::containerd::v1::types::STOPPED);
  EXPECT_EQ(wait("c1")->exit_status(), 3u);
  EXPECT_THAT(publisher.seen(), ElementsAre("/tasks/create", "/tasks/exit"));
}

TEST_F(TaskServiceTest, DeleteBeforeStartKillsTheWaitingProcess) {
  Record* p = create("c1");
  absl::StatusOr<taskapi::DeleteResponse> d = remove("c1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->exit_status(), 137u);
  EXPECT_THAT(p->signals, ElementsAre(SIGKILL));
  EXPECT_TRUE(p->destroyed);
  EXPECT_THAT(publisher.seen(), ElementsAre("/tasks/create", "/tasks/delete"));
}

TEST_F(TaskServiceTest, OomIsPublishedBeforeExit) {
  Record* p = create("c1");
  ASSERT_TRUE(start("c1").ok());
  runtime.exit(p, 137, /*oom=*/true);
  EXPECT_THAT(publisher.seen(),
              ElementsAre("/tasks/create", "/tasks/start", "/tasks/oom", "/tasks/exit"));
}

TEST_F(TaskServiceTest, ShutdownOnlyWhenEmptyOrNow) {
  create("c1");
  taskapi::ShutdownRequest r;
  r.set_id("c1");
  EXPECT_TRUE(service.shutdown(r).ok());
  EXPECT_EQ(shutdowns.load(), 0);
  EXPECT_TRUE(remove("c1").ok());
  EXPECT_TRUE(service.shutdown(r).ok());
  EXPECT_EQ(shutdowns.load(), 1);
  EXPECT_TRUE(service.shutdown(r).ok());
  EXPECT_EQ(shutdowns.load(), 1);  // once
}

TEST_F(TaskServiceTest, ShutdownNowReleasesWaiters) {
  create("c1");
  ASSERT_TRUE(start("c1").ok());
  std::future<absl::StatusOr<taskapi::WaitResponse>> w =
      std::async(std::launch::async, [&] { return wait("c1"); });
  taskapi::ShutdownRequest r;
  r.set_now(true);
  EXPECT_TRUE(service.shutdown(r).ok());
  EXPECT_EQ(shutdowns.load(), 1);
  EXPECT_EQ(w.get().status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(TaskServiceTest, PtyStdinConnectAndUnsupported) {
  taskapi::CreateTaskRequest r;
  r.set_id("t");
  r.set_terminal(true);
  ASSERT_TRUE(service.create(r).ok());
  Record* p = runtime.last;
  taskapi::ResizePtyRequest rp;
  rp.set_id("t");
  rp.set_width(80);
  rp.set_height(24);
  EXPECT_TRUE(service.resize_pty(rp).ok());
  EXPECT_EQ(p->size, std::make_pair(80u, 24u));
  taskapi::CloseIORequest ci;
  ci.set_id("t");
  ci.set_stdin(true);
  EXPECT_TRUE(service.close_io(ci).ok());
  EXPECT_TRUE(p->stdin_closed);

  create("plain");
  rp.set_id("plain");
  EXPECT_EQ(service.resize_pty(rp).code(), absl::StatusCode::kFailedPrecondition);

  taskapi::ConnectRequest cr;
  cr.set_id("t");
  absl::StatusOr<taskapi::ConnectResponse> c = service.connect(cr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->task_pid(), p->pid);
  EXPECT_EQ(c->shim_pid(), static_cast<uint32_t>(getpid()));

  EXPECT_EQ(service.checkpoint(taskapi::CheckpointTaskRequest()).code(),
            absl::StatusCode::kUnimplemented);
}

TEST_F(TaskServiceTest, PauseResumeStateAndEvents) {
  Record* p = create("t");
  taskapi::PauseRequest pr;
  pr.set_id("t");
  EXPECT_EQ(service.pause(pr).code(), absl::StatusCode::kFailedPrecondition);  // not started
  ASSERT_TRUE(start("t").ok());
  ASSERT_TRUE(service.pause(pr).ok());
  EXPECT_EQ(p->pauses, 1);
  EXPECT_EQ(state("t")->status(), ::containerd::v1::types::PAUSED);
  EXPECT_EQ(service.pause(pr).code(), absl::StatusCode::kFailedPrecondition);
  taskapi::ResumeRequest rr;
  rr.set_id("t");
  ASSERT_TRUE(service.resume(rr).ok());
  EXPECT_EQ(p->resumes, 1);
  EXPECT_EQ(state("t")->status(), ::containerd::v1::types::RUNNING);
  EXPECT_EQ(service.resume(rr).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(publisher.seen(),
              ElementsAre("/tasks/create", "/tasks/start", "/tasks/paused", "/tasks/resumed"));
  // SIGKILL to a paused task thaws it so the kill takes effect.
  ASSERT_TRUE(service.pause(pr).ok());
  ASSERT_TRUE(kill("t", SIGKILL).ok());
  EXPECT_EQ(p->resumes, 2);
  EXPECT_EQ(state("t")->status(), ::containerd::v1::types::RUNNING);
  pr.set_id("nope");
  EXPECT_EQ(service.pause(pr).code(), absl::StatusCode::kNotFound);
}

TEST_F(TaskServiceTest, UpdateAndStatsGoToTheInitProcess) {
  Record* p = create("t");
  taskapi::UpdateTaskRequest ur;
  ur.set_id("t");
  ur.mutable_resources()->set_type_url(
      "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources");
  ur.mutable_resources()->set_value(R"({"memory":{"limit":1000}})");
  EXPECT_EQ(service.update(ur).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(start("t").ok());
  ASSERT_TRUE(service.update(ur).ok());
  EXPECT_THAT(p->updates, ElementsAre(R"({"memory":{"limit":1000}})"));
  taskapi::StatsRequest sr;
  sr.set_id("t");
  absl::StatusOr<taskapi::StatsResponse> st = service.stats(sr);
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->stats().type_url(), "io.containerd.cgroups.v1.Metrics");
  sr.set_id("nope");
  EXPECT_EQ(service.stats(sr).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace ws::shim
