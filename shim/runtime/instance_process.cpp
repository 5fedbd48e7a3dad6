// An instance process: spawn through the reaper, the ready handshake, start, signals, exit.
#include "shim/runtime/instance_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "shim/runtime/hooks.h"
#include "shim/runtime/reaper.h"
#include "support/log.h"

extern char** environ;

namespace ws::shim {
namespace {

// How long an exit report waits for a terminal's last output to reach containerd.
constexpr absl::Duration kDrainTimeout = absl::Seconds(2);

ExitStatus to_exit_status(int wait_status) {
  ExitStatus out;
  out.at = absl::Now();
  if (WIFEXITED(wait_status)) out.code = static_cast<uint32_t>(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) out.code = 128u + static_cast<uint32_t>(WTERMSIG(wait_status));
  return out;
}

void report(const std::shared_ptr<ExitSlot>& slot, Process* owner, const ExitStatus& status) {
  Runtime::ExitHandler fn;
  {
    std::lock_guard<std::mutex> lock(slot->handler->mu);
    fn = slot->handler->fn;
  }
  if (fn) fn(owner, status);
}

// Runs on the reaper thread.
void on_reaped(const std::shared_ptr<ExitSlot>& slot, const std::shared_ptr<ProcessIo>& io,
               int wait_status) {
  io->drain_output(kDrainTimeout);
  ExitStatus status = to_exit_status(wait_status);
  if (slot->oom_cgroup && WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL) {
    status.oom = slot->oom_cgroup->oom_killed();
  }
  Process* owner = nullptr;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->reaped = true;
    slot->reaped_cv.notify_all();
    if (slot->state == ExitSlot::State::kCreating) slot->early = status;
    if (slot->state != ExitSlot::State::kArmed) return;
    owner = slot->owner;
  }
  report(slot, owner, status);
}

std::vector<std::string> environment() { return program_environment(environ); }

// An instance's cache miss: `<binary> fill-cache` (instance_main.h) starts the background fill of
// `module` from the shim's cgroup, not the container's, so Delete does not kill it. It returns as
// soon as the detached fill runs; failures only cost the tier-up (logged).
void start_fill(const LaunchRequest& r, UniqueFd module) {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null.get() < 0) {
    support::log_warning("code-cache fill: cannot open /dev/null");
    return;
  }
  SpawnRequest req{r.options.instance_binary,
                   {r.options.argv0, kFillCommand},
                   environment(),
                   {null.get(), null.get(), null.get(), module.get()},
                   true};
  absl::StatusOr<pid_t> pid = Reaper::get().spawn(
      [&]() -> absl::StatusOr<pid_t> {
        absl::StatusOr<Spawned> s = spawn_process(req);
        if (!s.ok()) return s.status();
        return s->pid;
      },
      [](pid_t, int) {});
  if (!pid.ok()) {
    support::log_warning(absl::StrCat(
        "container ", r.setup.id, ": cannot start the code-cache fill: ", pid.status().message()));
  }
}

HookState hook_state(const oci::Spec& spec, const std::string& id, const std::string& bundle,
                     uint32_t pid, const char* status) {
  return HookState{spec.oci_version, id, status, pid, bundle, spec.annotations};
}

}  // namespace

absl::StatusOr<std::unique_ptr<InstanceProcess>> InstanceProcess::launch(const LaunchRequest& r) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return errno_status(errno, "create the instance's sync socket");
  }
  UniqueFd ours(sv[0]), theirs(sv[1]);
  std::unique_ptr<InstanceProcess> p(new InstanceProcess());
  p->io_ = r.io;
  p->slot_ = std::make_shared<ExitSlot>();
  p->slot_->handler = r.handler;
  std::array<int, 3> stdio = r.io->child_fds();
  SpawnRequest req{r.options.instance_binary,
                   {r.options.argv0, kInstanceCommand},
                   environment(),
                   {stdio[0], stdio[1], stdio[2], theirs.get()},
                   r.setup.terminal};
  if (!r.setup.is_exec()) {
    // Without the page the container only lacks its linear-memory figures (Stats report none).
    absl::StatusOr<StatsPage> page = StatsPage::create();
    if (page.ok()) {
      p->stats_page_ = std::move(*page);
      static_assert(kStatsFd == kSyncFd + 1);
      req.fds.push_back(p->stats_page_->fd());
    } else {
      support::log_warning(absl::StrCat("container ", r.setup.id, ": ", page.status().message()));
    }
  }
  absl::StatusOr<pid_t> pid = Reaper::get().spawn(
      [&]() -> absl::StatusOr<pid_t> {
        absl::StatusOr<Spawned> s = spawn_process(req);
        if (!s.ok()) return s.status();
        p->child_ = std::move(*s);
        return p->child_.pid;
      },
      [slot = p->slot_, io = r.io](pid_t, int status) { on_reaped(slot, io, status); });
  if (!pid.ok()) return pid.status();
  theirs.reset();
  if (p->stats_page_) p->stats_page_->close_fd();
  r.io->spawned();
  // The child waits for its setup: joining before it puts it in the cgroup before it loads the
  // module, let alone runs guest code. On v1 the child joins by itself as the setup's first
  // step (moving one's own thread spares the global lock and RCU wait of cgroup.procs).
  InstanceSetup setup = r.setup;
  if (r.cgroup) setup.join_files = r.cgroup->self_join_files();
  absl::Status ready =
      r.cgroup && setup.join_files.empty() ? r.cgroup->join(*pid) : absl::OkStatus();
  if (ready.ok()) ready = send_setup(ours.get(), setup);
  UniqueFd fill;
  bool joined = false;
  if (ready.ok()) ready = recv_ready(ours.get(), &fill, &joined);
  // An instance binary of the previous build (replaced by an upgrade under this running shim)
  // ignores the join files: add it here, still before the start byte lets guest code run.
  if (ready.ok() && !setup.join_files.empty() && !joined) ready = r.cgroup->join(*pid);
  if (!ready.ok()) {
    p->abandon();
    return ready;
  }
  if (fill.get() >= 0) start_fill(r, std::move(fill));
  p->sync_ = std::move(ours);
  return p;
}

InstanceProcess::~InstanceProcess() {
  if (!destroyed_) destroy().IgnoreError();
}

void InstanceProcess::make_init(std::unique_ptr<RootfsMounts> mounts, oci::Spec spec,
                                std::string id, std::string bundle,
                                std::shared_ptr<ContainerCgroup> cgroup) {
  cgroup_ = std::move(cgroup);
  {
    std::lock_guard<std::mutex> lock(slot_->mu);
    slot_->oom_cgroup = cgroup_;
  }
  mounts_ = std::move(mounts);
  spec_ = std::move(spec);
  id_ = std::move(id);
  bundle_ = std::move(bundle);
}

bool InstanceProcess::exited() const {
  std::lock_guard<std::mutex> lock(slot_->mu);
  return slot_->reaped;
}

void InstanceProcess::arm() {
  std::optional<ExitStatus> early;
  {
    std::lock_guard<std::mutex> lock(slot_->mu);
    slot_->state = ExitSlot::State::kArmed;
    slot_->owner = this;
    early = slot_->early;
  }
  if (early) report(slot_, this, *early);
}

void InstanceProcess::abandon() {
  std::unique_lock<std::mutex> lock(slot_->mu);
  slot_->state = ExitSlot::State::kDestroyed;
  signal_process(child_, SIGKILL).IgnoreError();
  slot_->reaped_cv.wait_for(lock, std::chrono::seconds(10), [this] { return slot_->reaped; });
  lock.unlock();
  destroyed_ = true;
  sync_.reset();
  io_->shutdown();
}

absl::Status InstanceProcess::start() {
  if (!sync_.valid()) {
    return absl::FailedPreconditionError(absl::StrCat("process ", child_.pid, " already started"));
  }
  absl::Status sent = send_start(sync_.get());
  sync_.reset();
  if (!sent.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("process ", child_.pid, " exited before it could start"));
  }
  if (spec_) {
    absl::Status s = run_hooks("poststart", spec_->hooks.poststart,
                               hook_state(*spec_, id_, bundle_, pid(), "running"));
    // The spec: a failing poststart hook is a warning; the container keeps running.
    if (!s.ok())
      std::fprintf(stderr, "warning: container %s: %s\n", id_.c_str(),
                   std::string(s.message()).c_str());
  }
  return absl::OkStatus();
}

absl::Status InstanceProcess::kill(uint32_t signal) {
  if (exited()) {
    return absl::NotFoundError(absl::StrCat("process ", child_.pid, " has already exited"));
  }
  return signal_process(child_, static_cast<int>(signal));
}

absl::Status InstanceProcess::resize_pty(uint32_t width, uint32_t height) {
  return io_->resize(width, height);
}

absl::Status InstanceProcess::close_stdin() { return io_->close_stdin(); }

absl::Status InstanceProcess::destroy() {
  if (destroyed_) return absl::OkStatus();
  destroyed_ = true;
  {
    std::lock_guard<std::mutex> lock(slot_->mu);
    slot_->state = ExitSlot::State::kDestroyed;
  }
  sync_.reset();  // a process still waiting for start sees EOF and exits
  io_->shutdown();
  if (spec_) {
    absl::Status s = run_hooks("poststop", spec_->hooks.poststop,
                               hook_state(*spec_, id_, bundle_, pid(), "stopped"));
    if (!s.ok())
      std::fprintf(stderr, "warning: container %s: %s\n", id_.c_str(),
                   std::string(s.message()).c_str());
  }
  absl::Status unmounted = mounts_ ? mounts_->unmount() : absl::OkStatus();
  // What is left in the cgroup (a stray exec) is killed; then the cgroup goes.
  absl::Status removed = cgroup_ ? cgroup_->remove() : absl::OkStatus();
  return unmounted.ok() ? removed : unmounted;
}

absl::Status InstanceProcess::pause() {
  if (!cgroup_) return absl::UnimplementedError("pause: only a container's init process pauses");
  return cgroup_->freeze();
}

absl::Status InstanceProcess::resume() {
  if (!cgroup_) return absl::UnimplementedError("resume: only a container's init process resumes");
  return cgroup_->thaw();
}

absl::Status InstanceProcess::update(const std::string& resources_json) {
  if (!cgroup_) return absl::UnimplementedError("update: not a container's init process");
  return cgroup_->update(resources_json);
}

absl::StatusOr<cgroups::Stats> InstanceProcess::stats() {
  if (!cgroup_) return absl::UnimplementedError("stats: not a container's init process");
  return cgroup_->stats();
}

std::optional<WasmStats> InstanceProcess::wasm_stats() {
  if (!stats_page_) return std::nullopt;
  return stats_page_->read();
}

}  // namespace ws::shim
