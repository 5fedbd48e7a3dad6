// The shim v2 task service (containerd.task.v2.Task, and v3 with the same messages): task and
// process state, the rules of each RPC, and the events they publish. Transport-free: the ttrpc
// and gRPC servers decode requests and call these methods.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "proto/containerd/runtime/task/v2/shim.pb.h"
#include "shim/task/publisher.h"
#include "shim/task/runtime.h"

namespace ws::shim {

namespace taskapi = ::containerd::task::v2;

class TaskService {
 public:
  // `on_shutdown` runs (once) when Shutdown finds no task left, or is asked to stop `now`.
  TaskService(Runtime& runtime, Publisher& publisher, std::function<void()> on_shutdown);
  ~TaskService();

  TaskService(const TaskService&) = delete;
  TaskService& operator=(const TaskService&) = delete;

  absl::StatusOr<taskapi::StateResponse> state(const taskapi::StateRequest& r);
  absl::StatusOr<taskapi::CreateTaskResponse> create(const taskapi::CreateTaskRequest& r);
  absl::StatusOr<taskapi::StartResponse> start(const taskapi::StartRequest& r);
  absl::StatusOr<taskapi::DeleteResponse> remove(const taskapi::DeleteRequest& r);
  absl::StatusOr<taskapi::PidsResponse> pids(const taskapi::PidsRequest& r);
  absl::Status pause(const taskapi::PauseRequest& r);
  absl::Status resume(const taskapi::ResumeRequest& r);
  absl::Status checkpoint(const taskapi::CheckpointTaskRequest& r);
  absl::Status kill(const taskapi::KillRequest& r);
  absl::Status exec(const taskapi::ExecProcessRequest& r);
  absl::Status resize_pty(const taskapi::ResizePtyRequest& r);
  absl::Status close_io(const taskapi::CloseIORequest& r);
  absl::Status update(const taskapi::UpdateTaskRequest& r);
  // Blocks until the process has exited (or the service shuts down: UNAVAILABLE).
  absl::StatusOr<taskapi::WaitResponse> wait(const taskapi::WaitRequest& r);
  absl::StatusOr<taskapi::StatsResponse> stats(const taskapi::StatsRequest& r);
  absl::StatusOr<taskapi::ConnectResponse> connect(const taskapi::ConnectRequest& r);
  absl::Status shutdown(const taskapi::ShutdownRequest& r);

  // Number of containers still known (created and not deleted).
  size_t size() const;

 private:
  enum class State { kCreated, kRunning, kStopped };
  struct Proc {
    std::string exec_id;  // "" for the init process
    std::unique_ptr<Process> process;
    Stdio stdio;
    State state = State::kCreated;
    uint32_t pid = 0;
    ExitStatus exit;
  };
  struct Container {
    CreateConfig config;
    Proc init;
    std::map<std::string, Proc> execs;
    bool paused = false;  // frozen by Pause, until Resume (or the init process's exit)
  };

  absl::StatusOr<Container*> find_container(const std::string& id);
  // The container of a running init process, for the cgroup RPCs (`what` names the RPC).
  absl::StatusOr<Container*> running_container(const std::string& id, const char* what);
  absl::StatusOr<Proc*> find_proc(const std::string& id, const std::string& exec_id);
  void on_exit(Process* process, ExitStatus status);
  void publish_exit(const Container& c, const Proc& p);

  Runtime& runtime_;
  Publisher& publisher_;
  std::function<void()> on_shutdown_;
  mutable std::mutex mu_;
  std::condition_variable exited_;
  std::map<std::string, std::unique_ptr<Container>> containers_;
  // Exits reported before create()/exec() had recorded their process (a guest that dies at
  // once): applied when the process is recorded.
  std::map<Process*, ExitStatus> early_exits_;
  int creating_ = 0;  // create()/exec() calls running without the lock
  bool shutting_down_ = false;
};

}  // namespace ws::shim
