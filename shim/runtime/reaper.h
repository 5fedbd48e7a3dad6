// The shim server's one collector of child processes: instance processes, hooks, and orphans
// reparented to it as a child subreaper.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "absl/status/statusor.h"

namespace ws::shim {

// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants (e.g. what a hook leaves running) are
// reparented to this process and reaped by the Reaper instead of by init.
absl::Status become_child_subreaper();

// Collects every child of the process with waitpid(-1), so any child of a process that uses it
// must be started through spawn(): a plain fork+waitpid (system(), popen()) elsewhere in the
// same process races with it. SIGCHLD must not be set to SIG_IGN (the kernel would then reap
// children itself); no signal needs blocking: the thread sleeps in waitid(WNOWAIT).
class Reaper {
 public:
  // Called with the pid and its wait(2) status on the reaper thread, without the reaper's lock.
  using OnExit = std::function<void(pid_t pid, int wait_status)>;
  using SpawnFn = std::function<absl::StatusOr<pid_t>()>;

  // The process-wide reaper; its thread starts on first use and lives as long as the process.
  static Reaper& get();

  // Runs `spawn` (which starts exactly one child and returns its pid) under the reaper's lock and
  // registers `on_exit` for that pid, so the child cannot be collected before it is known.
  // `spawn` must be quick: fork+exec or posix_spawn, nothing that waits for the child.
  absl::StatusOr<pid_t> spawn(const SpawnFn& spawn, OnExit on_exit);

  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

 private:
  Reaper() = default;
  void loop();
  void collect();

  std::mutex mu_;
  std::condition_variable spawned_;
  uint64_t generation_ = 0;  // counts spawns: wakes a reaper that found no child
  std::map<pid_t, OnExit> waiters_;
};

}  // namespace ws::shim
