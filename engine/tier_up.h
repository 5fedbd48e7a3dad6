// Background tier-up: a module that runs on the lazy tier after a cache miss switches to the
// -O2 artifact the background fill stores, without restarting.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "engine/aot.h"
#include "engine/ast/module.h"
#include "engine/runtime/code.h"
#include "support/artifact_cache.h"

namespace ws::engine {

// What became of one tier-up watch.
class TierUpStatus {
 public:
  enum class State { kWatching, kDone, kGaveUp };
  State state() const;
  // Waits at most `seconds` for the watch to end; returns the state then.
  State wait(double seconds) const;
  // kDone: when the switch happened; kGaveUp: why not (no fill running and no artifact, the
  // artifact did not load, the module is gone).
  std::string detail() const;
  void finish(State state, std::string detail);

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  State state_ = State::kWatching;
  std::string detail_;
};

// Starts a detached thread (every signal blocked) that polls `cache` for the artifact of `key`
// (at 50 ms, doubling to every 2 s) while a fill of that key runs (its lock file is held). When
// the artifact is there, it loads it and calls tier_up (engine/codegen/codegen.h) on `code`, then
// again 1 s, 10 s, 60 s and 300 s later (a function whose lazy compile was in flight at the
// switch has its stub set to that body when the compile ends). It gives up when no fill holds the
// lock and the artifact is missing (after `grace_seconds` from the start, for a fill another
// process starts later), when the artifact does not load, or when `code` or `module` is gone (the
// watch holds neither). The switch never overlaps the process's exit: an atexit handler waits for a
// switch in progress and stops every watch before static destructors run.
std::shared_ptr<const TierUpStatus> start_tier_up(std::weak_ptr<const CompiledCode> code,
                                                  std::weak_ptr<const Module> module,
                                                  support::ArtifactCache cache, aot::Key key,
                                                  double grace_seconds);

}  // namespace ws::engine
