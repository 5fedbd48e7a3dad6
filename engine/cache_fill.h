// The background fill of the code cache after a miss: a detached, idle-priority process that
// compiles a module's artifact and stores it, so that the next run of the module is warm.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace ws::engine {

// Starts `fill` in a detached process (double fork, setsid, SCHED_IDLE and nice 19, stdio on
// /dev/null, every other descriptor closed) unless another process holds the fill lock
// `<cache_dir>/.fill-<digest>.lock`; the new process holds that lock until it exits. Returns the
// fill's pid, or 0 when another fill of `digest` is running. Call it before the caller starts
// threads of its own where possible: the child runs `fill` in a copy of this process.
// `fill` returns the child's exit code; it must not throw. INTERNAL when fork or the lock
// file fail (naming the file).
absl::StatusOr<int> start_cache_fill(const std::string& cache_dir, const std::string& digest,
                                     const std::function<int()>& fill);

// The lock file start_cache_fill uses for `digest` in `cache_dir`.
std::string cache_fill_lock_path(const std::string& cache_dir, const std::string& digest);

}  // namespace ws::engine
