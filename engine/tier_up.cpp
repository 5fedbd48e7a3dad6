// Background tier-up (engine/tier_up.h).
#include "engine/tier_up.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/cache_fill.h"
#include "engine/codegen/codegen.h"
#include "support/log.h"

namespace ws::engine {

TierUpStatus::State TierUpStatus::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

TierUpStatus::State TierUpStatus::wait(double seconds) const {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::duration<double>(seconds),
               [&] { return state_ != State::kWatching; });
  return state_;
}

std::string TierUpStatus::detail() const {
  std::lock_guard<std::mutex> lock(mu_);
  return detail_;
}

void TierUpStatus::finish(State state, std::string detail) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = state;
    detail_ = std::move(detail);
  }
  cv_.notify_all();
}

namespace {

// Held while a watch loads an artifact or switches stubs; `exiting` is set under it by the
// atexit handler, after which no watch touches the JIT again.
struct ExitGuard {
  std::mutex mu;
  bool exiting = false;
};

ExitGuard& exit_guard() {
  static ExitGuard* g = [] {
    auto* guard = new ExitGuard();  // never destroyed: watches may outlive static destructors
    std::atexit([] {
      std::lock_guard<std::mutex> lock(exit_guard().mu);
      exit_guard().exiting = true;
    });
    return guard;
  }();
  return *g;
}

// Whether a fill holds the lock of this key (start_cache_fill's exclusive flock).
bool fill_running(const std::string& lock_path) {
  int fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);  // drops our shared lock, if we got it
  return held;
}

void sleep_for(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

// Loads the artifact at `path` and switches `weak_code` to it, under the exit guard. Returns
// the loaded code (null when it gave up; `status` says why).
std::shared_ptr<const CompiledCode> switch_to(const std::weak_ptr<const CompiledCode>& weak_code,
                                              const std::weak_ptr<const Module>& weak_module,
                                              const std::string& path, const aot::Key& key,
                                              TierUpStatus& status) {
  std::lock_guard<std::mutex> lock(exit_guard().mu);
  if (exit_guard().exiting) return nullptr;
  std::shared_ptr<const CompiledCode> code = weak_code.lock();
  std::shared_ptr<const Module> module = weak_module.lock();
  if (!code || !module) {
    status.finish(TierUpStatus::State::kGaveUp, "the module is gone");
    return nullptr;
  }
  absl::StatusOr<std::shared_ptr<const CompiledCode>> better =
      aot::load_artifact(path, *module, key);
  absl::Status s =
      better.ok() ? tier_up(*code, *better, module->num_imported_funcs) : better.status();
  if (!s.ok()) {
    support::log_warning(absl::StrCat("tier-up from ", path, ": ", s.message()));
    status.finish(TierUpStatus::State::kGaveUp, std::string(s.message()));
    return nullptr;
  }
  status.finish(TierUpStatus::State::kDone, path);
  return *better;
}

void repoint(const std::weak_ptr<const CompiledCode>& weak_code,
             const std::weak_ptr<const Module>& weak_module,
             const std::shared_ptr<const CompiledCode>& better) {
  std::lock_guard<std::mutex> lock(exit_guard().mu);
  if (exit_guard().exiting) return;
  std::shared_ptr<const CompiledCode> code = weak_code.lock();
  std::shared_ptr<const Module> module = weak_module.lock();
  if (code && module) (void)tier_up(*code, better, module->num_imported_funcs);
}

void watch(std::weak_ptr<const CompiledCode> weak_code, std::weak_ptr<const Module> weak_module,
           const support::ArtifactCache& cache, const aot::Key& key, double grace_seconds,
           TierUpStatus& status) {
  const auto grace_end = std::chrono::steady_clock::now() +
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                             std::chrono::duration<double>(grace_seconds));
  const std::string digest = key.digest();
  const std::string lock_path = cache_fill_lock_path(cache.dir(), digest);
  double delay = 0.05;
  for (;;) {
    sleep_for(delay);
    delay = std::min(delay * 2, 2.0);
    if (weak_code.expired()) {
      status.finish(TierUpStatus::State::kGaveUp, "the module is gone");
      return;
    }
    // Asked before the lookup: a fill that had ended by then has stored its artifact already.
    bool filling = fill_running(lock_path);
    if (std::optional<std::string> path = cache.lookup(digest)) {
      std::shared_ptr<const CompiledCode> better =
          switch_to(weak_code, weak_module, *path, key, status);
      if (!better) return;
      for (double later : {1.0, 9.0, 50.0, 240.0}) {
        sleep_for(later);
        repoint(weak_code, weak_module, better);
      }
      return;
    }
    if (!filling && std::chrono::steady_clock::now() >= grace_end) {
      status.finish(TierUpStatus::State::kGaveUp,
                    "no fill of the module is running and the cache has no artifact of it");
      return;
    }
  }
}

}  // namespace

std::shared_ptr<const TierUpStatus> start_tier_up(std::weak_ptr<const CompiledCode> code,
                                                  std::weak_ptr<const Module> module,
                                                  support::ArtifactCache cache, aot::Key key,
                                                  double grace_seconds) {
  auto status = std::make_shared<TierUpStatus>();
  exit_guard();  // the atexit handler exists before the thread does
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);  // the thread inherits the mask: signals stay ours
  try {
    std::thread([code = std::move(code), module = std::move(module), cache = std::move(cache),
                 key = std::move(key), grace_seconds, status]() mutable {
      watch(std::move(code), std::move(module), cache, key, grace_seconds, *status);
    }).detach();
  } catch (const std::system_error& e) {
    status->finish(TierUpStatus::State::kGaveUp, absl::StrCat("no thread: ", e.what()));
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return status;
}

}  // namespace ws::engine
