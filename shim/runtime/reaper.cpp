// The process-wide reaper thread: waitid(WNOWAIT) to sleep, waitpid under the lock to collect.
#include "shim/runtime/reaper.h"

#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "shim/runtime/fd.h"

namespace ws::shim {

absl::Status become_child_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return errno_status(errno, "prctl(PR_SET_CHILD_SUBREAPER)");
  }
  return absl::OkStatus();
}

Reaper& Reaper::get() {
  // Never destroyed: its thread runs until the process exits.
  static Reaper* reaper = [] {
    auto* r = new Reaper();
    std::thread([r] { r->loop(); }).detach();
    return r;
  }();
  return *reaper;
}

absl::StatusOr<pid_t> Reaper::spawn(const SpawnFn& spawn, OnExit on_exit) {
  std::lock_guard<std::mutex> lock(mu_);
  absl::StatusOr<pid_t> pid = spawn();
  if (!pid.ok()) return pid;
  waiters_[*pid] = std::move(on_exit);
  ++generation_;
  spawned_.notify_all();
  return pid;
}

void Reaper::loop() {
  for (;;) {
    uint64_t generation;
    {
      std::lock_guard<std::mutex> lock(mu_);
      generation = generation_;
    }
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOWAIT | __WALL) != 0) {
      if (errno == ECHILD) {
        // No child at all: sleep until spawn() makes one (orphans only arrive while a child
        // exists; the timeout is a safety net, not the mechanism).
        std::unique_lock<std::mutex> lock(mu_);
        spawned_.wait_for(lock, std::chrono::seconds(1), [&] { return generation_ != generation; });
      }
      continue;
    }
    collect();
  }
}

void Reaper::collect() {
  std::vector<std::pair<std::pair<pid_t, int>, OnExit>> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (;;) {
      int status = 0;
      pid_t pid = ::waitpid(-1, &status, WNOHANG | __WALL);
      if (pid <= 0) break;
      auto it = waiters_.find(pid);
      if (it == waiters_.end()) continue;  // an orphan or a stranger: reaped silently
      done.emplace_back(std::make_pair(pid, status), std::move(it->second));
      waiters_.erase(it);
    }
  }
  for (auto& [exit, on_exit] : done) {
    if (on_exit) on_exit(exit.first, exit.second);
  }
}

}  // namespace ws::shim
