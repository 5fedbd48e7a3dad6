// One container's cgroup on the running host's cgroup version (detected at run time): create,
// apply limits, move processes in, read statistics, freeze/thaw, watch for OOM kills, remove.
// cgroup_v1.cpp and cgroup_v2.cpp implement it; cgroup.cpp picks one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cgroups/resources.h"

namespace ws::cgroups {

enum class Version { kV1, kV2 };

// What Stats reads; fields a version lacks stay 0. Times in nanoseconds.
struct Stats {
  Version version = Version::kV1;
  uint64_t cpu_usage_ns = 0, cpu_user_ns = 0, cpu_system_ns = 0;
  std::vector<uint64_t> cpu_per_cpu_ns;  // v1 only
  uint64_t cpu_periods = 0, cpu_throttled_periods = 0, cpu_throttled_ns = 0;
  uint64_t memory_usage = 0, memory_limit = 0, memory_max_usage = 0, memory_failcnt = 0;
  uint64_t swap_usage = 0, swap_limit = 0;        // v1: memsw (memory+swap); v2: swap alone
  std::map<std::string, uint64_t> memory_stat;    // memory.stat as the kernel names its keys
  std::map<std::string, uint64_t> memory_events;  // v2 memory.events
  uint64_t oom_kills = 0, under_oom = 0;
  uint64_t pids_current = 0, pids_limit = 0;  // limit 0 = unlimited
};

struct Options {
  std::string root = "/sys/fs/cgroup";
};

class Cgroup {
 public:
  virtual ~Cgroup() = default;

  // Creates (or reuses) the cgroup at `path` ("/a/b", see path.h) in every hierarchy.
  static absl::StatusOr<std::unique_ptr<Cgroup>> create(const std::string& path,
                                                        const Options& options = {});
  // The cgroup at `path` if it exists in any hierarchy (NOT_FOUND otherwise), for cleanup.
  static absl::StatusOr<std::unique_ptr<Cgroup>> open(const std::string& path,
                                                      const Options& options = {});
  // v2 when `root` is a cgroup2 mount, else v1; FAILED_PRECONDITION when neither.
  static absl::StatusOr<Version> detect(const std::string& root);

  virtual Version version() const = 0;
  const std::string& path() const { return path_; }

  // Writes the limits; what the version cannot express is added to `notes` (logged by callers,
  // not fatal). A value the kernel rejects fails naming the file and value.
  virtual absl::Status apply(const Resources& r, std::vector<std::string>* notes) = 0;
  virtual absl::Status add_process(pid_t pid) = 0;
  // Files a single-threaded process writes "0" into to move itself here (join_self), or none
  // when only add_process can. v1: each hierarchy's `tasks`. Moving the calling thread needs no
  // cgroup-wide lock, where moving a process through cgroup.procs write-locks every thread
  // group on the host and waits out an RCU grace period first when nobody migrated lately
  // (5-15 ms on a VM, per container). v2's cgroup.procs takes that lock for any writer.
  virtual std::vector<std::string> self_join_files() const { return {}; }
  virtual absl::StatusOr<std::vector<pid_t>> processes() = 0;
  virtual absl::StatusOr<Stats> stats() = 0;
  // Returns once the kernel reports the cgroup frozen (thawed); DEADLINE_EXCEEDED otherwise.
  virtual absl::Status freeze() = 0;
  virtual absl::Status thaw() = 0;
  // OOM kills in this cgroup so far (v1 memory.oom_control oom_kill, v2 memory.events).
  virtual absl::StatusOr<uint64_t> oom_kills() = 0;
  // A descriptor that becomes readable on an OOM event (v1: an eventfd registered through
  // cgroup.event_control; v2: inotify on memory.events). The caller owns it.
  virtual absl::StatusOr<int> oom_fd() = 0;
  // Kills what is left inside (thawing first), waits for it to go, removes the directories.
  virtual absl::Status remove() = 0;

 protected:
  explicit Cgroup(std::string path) : path_(std::move(path)) {}
  // Creates the directories (`create`) or checks that one exists (NOT_FOUND otherwise).
  virtual absl::Status setup(bool create) = 0;
  std::string path_;
};

// Moves the calling process, which must have a single thread, into the cgroups whose
// self_join_files() these are; FAILED_PRECONDITION when it has more threads (only the caller
// would move).
absl::Status join_self(const std::vector<std::string>& files);

// Shared helpers of both versions.
absl::Status write_file(const std::string& path, const std::string& value);
// Reads to EOF (cgroupfs files report size 0); NOT_FOUND when the file does not exist.
absl::StatusOr<std::string> read_file(const std::string& path);
absl::StatusOr<std::string> read_trimmed(const std::string& path);
// "key value" lines (memory.stat, cpu.stat, memory.events) into a map.
std::map<std::string, uint64_t> parse_flat_keyed(const std::string& text);
uint64_t parse_u64(const std::string& text);  // "max" and garbage -> 0
std::vector<pid_t> parse_pids(const std::string& text);
// SIGKILLs every process listed in `procs_file` until it is empty (bounded by ~5 s).
absl::Status kill_all(const std::string& procs_file);
// rmdir with retries for EBUSY while the last processes are being released; ENOENT is fine.
absl::Status remove_dir(const std::string& dir);

std::unique_ptr<Cgroup> make_v1(const std::string& root, const std::string& path);
std::unique_ptr<Cgroup> make_v2(const std::string& root, const std::string& path);

}  // namespace ws::cgroups
