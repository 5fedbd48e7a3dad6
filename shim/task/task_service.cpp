// The task service's rules: which RPC is legal in which state, what it answers, what it
// publishes. Events are queued under mu_, so their order is the order of the state changes
// (TaskStart is always queued before that process's TaskExit).
#include "shim/task/task_service.h"

#include <signal.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "proto/any.h"
#include "proto/containerd/events/task.pb.h"
#include "shim/task/metrics.h"
#include "support/log.h"

namespace ws::shim {
namespace {

namespace events = ::containerd::events;
namespace types = ::containerd::v1::types;

constexpr const char* kVersion = "wasmshim 0.1";

void set_time(absl::Time t, google::protobuf::Timestamp* out) {
  if (t == absl::Time()) return;  // never exited: leave unset, as runc does
  int64_t ns = absl::ToUnixNanos(t);
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

absl::Status not_found(const std::string& id, const std::string& exec_id) {
  if (exec_id.empty()) return absl::NotFoundError(absl::StrCat("task ", id, " not found"));
  return absl::NotFoundError(absl::StrCat("process ", exec_id, " of task ", id, " not found"));
}

absl::Status being_created(const std::string& id) {
  return absl::FailedPreconditionError(absl::StrCat("task ", id, " is still being created"));
}

RootfsMount to_mount(const ::containerd::types::Mount& m) {
  RootfsMount out;
  out.type = m.type();
  out.source = m.source();
  out.target = m.target();
  out.options.assign(m.options().begin(), m.options().end());
  return out;
}

}  // namespace

TaskService::TaskService(Runtime& runtime, Publisher& publisher, std::function<void()> on_shutdown)
    : runtime_(runtime), publisher_(publisher), on_shutdown_(std::move(on_shutdown)) {
  runtime_.set_exit_handler([this](Process* p, ExitStatus s) { on_exit(p, s); });
}

TaskService::~TaskService() {
  runtime_.set_exit_handler(nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  exited_.notify_all();
}

size_t TaskService::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return containers_.size();
}

absl::StatusOr<TaskService::Container*> TaskService::find_container(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return not_found(id, "");
  if (!it->second) return being_created(id);
  return it->second.get();
}

absl::StatusOr<TaskService::Proc*> TaskService::find_proc(const std::string& id,
                                                          const std::string& exec_id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return not_found(id, "");
  if (!it->second) return being_created(id);
  if (exec_id.empty()) return &it->second->init;
  auto e = it->second->execs.find(exec_id);
  if (e == it->second->execs.end()) return not_found(id, exec_id);
  return &e->second;
}

absl::StatusOr<taskapi::StateResponse> TaskService::state(const taskapi::StateRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
  if (!p.ok()) return p.status();
  const Proc& proc = **p;
  taskapi::StateResponse out;
  out.set_id(r.exec_id().empty() ? r.id() : r.exec_id());
  out.set_exec_id(r.exec_id());
  out.set_bundle(containers_[r.id()]->config.bundle);
  out.set_pid(proc.pid);
  bool paused = containers_[r.id()]->paused;
  out.set_status(proc.state == State::kCreated             ? types::CREATED
                 : proc.state == State::kRunning && paused ? types::PAUSED
                 : proc.state == State::kRunning           ? types::RUNNING
                                                           : types::STOPPED);
  out.set_stdin(proc.stdio.in);
  out.set_stdout(proc.stdio.out);
  out.set_stderr(proc.stdio.err);
  out.set_terminal(proc.stdio.terminal);
  if (proc.state == State::kStopped) {
    out.set_exit_status(proc.exit.code);
    set_time(proc.exit.at, out.mutable_exited_at());
  }
  return out;
}

absl::StatusOr<taskapi::CreateTaskResponse> TaskService::create(
    const taskapi::CreateTaskRequest& r) {
  if (r.id().empty()) return absl::InvalidArgumentError("create: the task id is empty");
  if (!r.checkpoint().empty() || !r.parent_checkpoint().empty()) {
    return absl::UnimplementedError("create: restoring from a checkpoint is not supported");
  }
  auto c = std::make_unique<Container>();
  c->config.id = r.id();
  c->config.bundle = r.bundle();
  for (const auto& m : r.rootfs()) c->config.rootfs.push_back(to_mount(m));
  c->config.stdio = Stdio{r.stdin(), r.stdout(), r.stderr(), r.terminal()};
  {
    // Reserve the id so that a concurrent Create with the same id fails at once.
    std::lock_guard<std::mutex> lock(mu_);
    if (containers_.count(r.id())) {
      return absl::AlreadyExistsError(absl::StrCat("task ", r.id(), " already exists"));
    }
    containers_[r.id()] = nullptr;
    ++creating_;
  }
  // The slow part (mounts, module validation, process creation) runs without the lock.
  absl::StatusOr<std::unique_ptr<Process>> process = runtime_.create(c->config);
  std::lock_guard<std::mutex> lock(mu_);
  --creating_;
  if (!process.ok()) {
    containers_.erase(r.id());
    return process.status();
  }
  c->init.process = std::move(*process);
  c->init.stdio = c->config.stdio;
  c->init.pid = c->init.process->pid();
  Container& added = *c;
  containers_[r.id()] = std::move(c);

  events::TaskCreate ev;
  ev.set_container_id(r.id());
  ev.set_bundle(r.bundle());
  *ev.mutable_rootfs() = r.rootfs();
  ev.mutable_io()->set_stdin(r.stdin());
  ev.mutable_io()->set_stdout(r.stdout());
  ev.mutable_io()->set_stderr(r.stderr());
  ev.mutable_io()->set_terminal(r.terminal());
  ev.set_pid(added.init.pid);
  publisher_.publish("/tasks/create", ev);
  if (auto early = early_exits_.find(added.init.process.get()); early != early_exits_.end()) {
    added.init.state = State::kStopped;
    added.init.exit = early->second;
    early_exits_.erase(early);
    publish_exit(added, added.init);
  }
  taskapi::CreateTaskResponse out;
  out.set_pid(added.init.pid);
  return out;
}

absl::StatusOr<taskapi::StartResponse> TaskService::start(const taskapi::StartRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
  if (!p.ok()) return p.status();
  Proc& proc = **p;
  if (!proc.process || proc.state != State::kCreated) {
    return absl::FailedPreconditionError(
        absl::StrCat("start: ", r.exec_id().empty() ? "task " + r.id() : "process " + r.exec_id(),
                     proc.state == State::kRunning ? " is already running" : " has exited"));
  }
  if (absl::Status s = proc.process->start(); !s.ok()) return s;
  proc.state = State::kRunning;
  if (r.exec_id().empty()) {
    events::TaskStart ev;
    ev.set_container_id(r.id());
    ev.set_pid(proc.pid);
    publisher_.publish("/tasks/start", ev);
  } else {
    events::TaskExecStarted ev;
    ev.set_container_id(r.id());
    ev.set_exec_id(r.exec_id());
    ev.set_pid(proc.pid);
    publisher_.publish("/tasks/exec-started", ev);
  }
  taskapi::StartResponse out;
  out.set_pid(proc.pid);
  return out;
}

absl::StatusOr<taskapi::DeleteResponse> TaskService::remove(const taskapi::DeleteRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
  if (!p.ok()) return p.status();
  Proc& proc = **p;
  if (!proc.process) return absl::FailedPreconditionError("delete: task is still being created");
  if (proc.state == State::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat("delete: ", r.exec_id().empty() ? "task " + r.id() : "process " + r.exec_id(),
                     " is running; kill it first"));
  }
  Container& c = *containers_[r.id()];
  if (r.exec_id().empty()) {
    for (const auto& [id, e] : c.execs) {
      if (!e.process || e.state == State::kRunning) {
        return absl::FailedPreconditionError(
            absl::StrCat("delete: task ", r.id(), " still has running process ", id));
      }
    }
  }
  if (proc.state == State::kCreated) {
    // Never started: its waiting process is ended here; the exit it reports is not news.
    proc.process->kill(SIGKILL).IgnoreError();
    proc.state = State::kStopped;
    proc.exit = ExitStatus{128 + SIGKILL, absl::Now(), false};
  }
  absl::Status destroyed = proc.process->destroy();
  taskapi::DeleteResponse out;
  out.set_pid(proc.pid);
  out.set_exit_status(proc.exit.code);
  set_time(proc.exit.at, out.mutable_exited_at());
  if (!r.exec_id().empty()) {
    c.execs.erase(r.exec_id());
  } else {
    events::TaskDelete ev;
    ev.set_container_id(r.id());
    ev.set_pid(out.pid());
    ev.set_exit_status(out.exit_status());
    *ev.mutable_exited_at() = out.exited_at();
    for (auto& [id, e] : c.execs) {
      if (e.state == State::kCreated) e.process->kill(SIGKILL).IgnoreError();
      e.process->destroy().IgnoreError();
    }
    containers_.erase(r.id());
    publisher_.publish("/tasks/delete", ev);
  }
  if (!destroyed.ok()) return destroyed;
  return out;
}

absl::StatusOr<taskapi::PidsResponse> TaskService::pids(const taskapi::PidsRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Container*> c = find_container(r.id());
  if (!c.ok()) return c.status();
  taskapi::PidsResponse out;
  auto add = [&](const Proc& p) {
    if (p.state != State::kStopped && p.pid != 0) out.add_processes()->set_pid(p.pid);
  };
  add((*c)->init);
  for (const auto& [id, e] : (*c)->execs) add(e);
  return out;
}

absl::StatusOr<TaskService::Container*> TaskService::running_container(const std::string& id,
                                                                       const char* what) {
  absl::StatusOr<Container*> c = find_container(id);
  if (!c.ok()) return c.status();
  if ((*c)->init.state != State::kRunning) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, ": task ", id,
                     (*c)->init.state == State::kCreated ? " is not started" : " has exited"));
  }
  return *c;
}

absl::Status TaskService::pause(const taskapi::PauseRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Container*> c = running_container(r.id(), "pause");
  if (!c.ok()) return c.status();
  if ((*c)->paused)
    return absl::FailedPreconditionError(
        absl::StrCat("pause: task ", r.id(), " is already paused"));
  if (absl::Status s = (*c)->init.process->pause(); !s.ok()) return s;
  (*c)->paused = true;
  events::TaskPaused ev;
  ev.set_container_id(r.id());
  publisher_.publish("/tasks/paused", ev);
  return absl::OkStatus();
}

absl::Status TaskService::resume(const taskapi::ResumeRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Container*> c = running_container(r.id(), "resume");
  if (!c.ok()) return c.status();
  if (!(*c)->paused)
    return absl::FailedPreconditionError(absl::StrCat("resume: task ", r.id(), " is not paused"));
  if (absl::Status s = (*c)->init.process->resume(); !s.ok()) return s;
  (*c)->paused = false;
  events::TaskResumed ev;
  ev.set_container_id(r.id());
  publisher_.publish("/tasks/resumed", ev);
  return absl::OkStatus();
}

absl::Status TaskService::update(const taskapi::UpdateTaskRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Container*> c = running_container(r.id(), "update");
  if (!c.ok()) return c.status();
  // containerd sends specs.LinuxResources through typeurl: JSON in the Any's value.
  return (*c)->init.process->update(r.resources().value());
}

absl::StatusOr<taskapi::StatsResponse> TaskService::stats(const taskapi::StatsRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Container*> c = find_container(r.id());
  if (!c.ok()) return c.status();
  if (!(*c)->init.process) return being_created(r.id());
  absl::StatusOr<cgroups::Stats> st = (*c)->init.process->stats();
  if (!st.ok()) return st.status();
  taskapi::StatsResponse out;
  *out.mutable_stats() = pack_metrics(*st, (*c)->init.process->wasm_stats());
  return out;
}

absl::Status TaskService::checkpoint(const taskapi::CheckpointTaskRequest&) {
  return absl::UnimplementedError("checkpoint: Wasm tasks cannot be checkpointed");
}

absl::Status TaskService::kill(const taskapi::KillRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
  if (!p.ok()) return p.status();
  if (!(*p)->process) return absl::FailedPreconditionError("kill: task is still being created");
  if (r.all() && r.exec_id().empty()) {
    for (auto& [id, e] : containers_[r.id()]->execs) {
      if (e.state != State::kStopped) e.process->kill(r.signal()).IgnoreError();
    }
  }
  if ((*p)->state == State::kStopped) {
    if (r.all()) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("kill: process already finished"));
  }
  absl::Status killed = (*p)->process->kill(r.signal());
  Container& c = *containers_[r.id()];
  if (killed.ok() && c.paused && r.signal() == SIGKILL && r.exec_id().empty()) {
    // As runc: a frozen container is thawed so that SIGKILL takes effect.
    if (c.init.process->resume().ok()) c.paused = false;
  }
  return killed;
}

absl::Status TaskService::exec(const taskapi::ExecProcessRequest& r) {
  if (r.exec_id().empty()) return absl::InvalidArgumentError("exec: the exec id is empty");
  ExecConfig config;
  config.exec_id = r.exec_id();
  config.stdio = Stdio{r.stdin(), r.stdout(), r.stderr(), r.terminal()};
  config.process_json = r.spec().value();
  CreateConfig container;
  Process* init = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absl::StatusOr<Container*> c = find_container(r.id());
    if (!c.ok()) return c.status();
    if ((*c)->init.state == State::kStopped) {
      return absl::FailedPreconditionError(absl::StrCat("exec: task ", r.id(), " has exited"));
    }
    if ((*c)->execs.count(r.exec_id())) {
      return absl::AlreadyExistsError(absl::StrCat("exec: process ", r.exec_id(), " exists"));
    }
    Proc& reserved = (*c)->execs[r.exec_id()];
    reserved.exec_id = r.exec_id();
    container = (*c)->config;
    init = (*c)->init.process.get();
    ++creating_;
  }
  absl::StatusOr<std::unique_ptr<Process>> process = runtime_.exec(container, *init, config);
  std::lock_guard<std::mutex> lock(mu_);
  --creating_;
  absl::StatusOr<Container*> c = find_container(r.id());
  if (!c.ok()) {  // deleted meanwhile: delete refuses while an exec is reserved
    if (process.ok()) (*process)->destroy().IgnoreError();
    return absl::AbortedError("exec: task was deleted while the process was created");
  }
  if (!process.ok()) {
    (*c)->execs.erase(r.exec_id());
    return process.status();
  }
  Proc& proc = (*c)->execs[r.exec_id()];
  proc.process = std::move(*process);
  proc.stdio = config.stdio;
  proc.pid = proc.process->pid();
  events::TaskExecAdded ev;
  ev.set_container_id(r.id());
  ev.set_exec_id(r.exec_id());
  publisher_.publish("/tasks/exec-added", ev);
  if (auto early = early_exits_.find(proc.process.get()); early != early_exits_.end()) {
    proc.state = State::kStopped;
    proc.exit = early->second;
    early_exits_.erase(early);
    publish_exit(**c, proc);
  }
  return absl::OkStatus();
}

absl::Status TaskService::resize_pty(const taskapi::ResizePtyRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
  if (!p.ok()) return p.status();
  if (!(*p)->process || !(*p)->stdio.terminal) {
    return absl::FailedPreconditionError("resize_pty: the process has no terminal");
  }
  return (*p)->process->resize_pty(r.width(), r.height());
}

absl::Status TaskService::close_io(const taskapi::CloseIORequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
  if (!p.ok()) return p.status();
  if (!(*p)->process) return absl::FailedPreconditionError("close_io: task is being created");
  if (!r.stdin()) return absl::OkStatus();
  return (*p)->process->close_stdin();
}

absl::StatusOr<taskapi::WaitResponse> TaskService::wait(const taskapi::WaitRequest& r) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (shutting_down_) return absl::UnavailableError("wait: the shim is shutting down");
    absl::StatusOr<Proc*> p = find_proc(r.id(), r.exec_id());
    if (!p.ok()) return p.status();
    if ((*p)->state == State::kStopped) {
      taskapi::WaitResponse out;
      out.set_exit_status((*p)->exit.code);
      set_time((*p)->exit.at, out.mutable_exited_at());
      return out;
    }
    exited_.wait(lock);
  }
}

absl::StatusOr<taskapi::ConnectResponse> TaskService::connect(const taskapi::ConnectRequest& r) {
  std::lock_guard<std::mutex> lock(mu_);
  taskapi::ConnectResponse out;
  out.set_shim_pid(static_cast<uint32_t>(getpid()));
  out.set_version(kVersion);
  if (auto it = containers_.find(r.id()); it != containers_.end() && it->second) {
    out.set_task_pid(it->second->init.pid);
  }
  return out;
}

absl::Status TaskService::shutdown(const taskapi::ShutdownRequest& r) {
  std::function<void()> run;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!r.now() && !containers_.empty()) return absl::OkStatus();
    if (!shutting_down_) {
      shutting_down_ = true;
      exited_.notify_all();
      run = on_shutdown_;
    }
  }
  if (run) run();
  return absl::OkStatus();
}

void TaskService::on_exit(Process* process, ExitStatus status) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, c] : containers_) {
    if (!c) continue;
    Proc* hit = c->init.process.get() == process ? &c->init : nullptr;
    for (auto& [eid, e] : c->execs) {
      if (!hit && e.process.get() == process) hit = &e;
    }
    if (!hit) continue;
    if (hit->state == State::kStopped) return;  // already settled (deleted before start)
    hit->state = State::kStopped;
    hit->exit = status;
    if (hit == &c->init) {
      c->paused = false;
      // As with runc: when the init process is gone, so is every exec of the container.
      for (auto& [eid, e] : c->execs) {
        if (e.state != State::kStopped && e.process) e.process->kill(SIGKILL).IgnoreError();
      }
    }
    support::log_debug(
        absl::StrCat("exited: ", id, hit == &c->init ? "" : " (exec)", " status=", status.code));
    publish_exit(*c, *hit);
    exited_.notify_all();
    return;
  }
  // Not recorded yet: create() or exec() is still running (a guest that died at once).
  // Otherwise it belongs to a process deleted before it was reaped: not news.
  if (creating_ > 0) early_exits_[process] = status;
}

void TaskService::publish_exit(const Container& c, const Proc& p) {
  if (p.exit.oom) {
    events::TaskOOM oom;
    oom.set_container_id(c.config.id);
    publisher_.publish("/tasks/oom", oom);
  }
  events::TaskExit ev;
  ev.set_container_id(c.config.id);
  ev.set_id(p.exec_id.empty() ? c.config.id : p.exec_id);
  ev.set_pid(p.pid);
  ev.set_exit_status(p.exit.code);
  set_time(p.exit.at, ev.mutable_exited_at());
  publisher_.publish("/tasks/exit", ev);
  exited_.notify_all();
}

}  // namespace ws::shim
