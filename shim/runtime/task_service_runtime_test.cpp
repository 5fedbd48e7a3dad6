// The task service over the real runtime (needs root): the RPC sequence containerd drives, with
// real instance processes, and the events it publishes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <thread>

#include "shim/runtime/instance_runtime.h"
#include "shim/runtime/runtime_test_util.h"
#include "shim/task/task_service.h"

namespace ws::shim {
namespace {

using testing::Bundle;

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
    r.set_exec_id(exec_id);
    return r;
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

}  // namespace
}  // namespace ws::shim
