// Loading a guest from inside the container's root and running it as a WASI command.
#include "shim/runtime/guest.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shim/runtime/in_root.h"

namespace ws::shim {
namespace {

constexpr int kTrapExit = 134;
constexpr int kTimeoutExit = 124;  // as timeout(1) and wasmrun --timeout

void report(const std::string& text) {
  std::string line = text + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

// Interrupts the store once `seconds` have passed, repeatedly (an interrupt that lands before
// the call starts is cleared by it); a guest that still has not stopped a second later (a host
// call that does not return) ends the process with 124.
class Watchdog {
 public:
  Watchdog(engine::Store& store, double seconds, const std::string& path)
      : thread_([this, &store, seconds, path] {
          std::unique_lock lock(mu_);
          auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(seconds));
          if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
          fired_ = true;
          for (int i = 0; i < 100 && !done_; ++i) {
            store.interrupt();
            cv_.wait_for(lock, std::chrono::milliseconds(10), [this] { return done_; });
          }
          if (done_) return;
          report(absl::StrCat(path, ": timeout after ", seconds,
                              "s: interrupted (the guest was blocked in a host call)"));
          _exit(kTimeoutExit);
        }) {}
  ~Watchdog() { stop(); }

  // Stops watching; true when the timeout had fired.
  bool stop() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// A reactor's `_initialize` first when the entry is another export, then the entry.
absl::StatusOr<engine::Outcome> call_entry(engine::Store& store, const engine::Instance& instance,
                                           const std::string& function) {
  if (function != "_start" && function != "_initialize") {
    std::optional<engine::Extern> init = instance.find_export("_initialize");
    if (init && init->kind == engine::ExternKind::kFunc) {
      absl::StatusOr<engine::Outcome> out = engine::call_export(store, instance, "_initialize", {});
      if (!out.ok() || !out->returned()) return out;
    }
  }
  return engine::call_export(store, instance, function, {});
}

absl::Status module_error(const absl::Status& s, const std::string& path) {
  absl::StatusCode code =
      s.code() == absl::StatusCode::kUnimplemented ? s.code() : absl::StatusCode::kInvalidArgument;
  std::string message(s.message());
  if (!absl::StartsWith(message, path)) message = absl::StrCat(path, ": ", message);
  return absl::Status(code, message);
}

// The entry export: a function taking no parameters (its results are dropped).
absl::Status check_entry(const engine::Module& m, const std::string& name) {
  for (const engine::Export& e : m.exports) {
    if (e.name != name || e.kind != engine::ExternKind::kFunc) continue;
    if (m.func_type(e.index).num_params != 0) {
      return absl::InvalidArgumentError(absl::StrCat("entry function \"", name,
                                                     "\" takes parameters; only a function without "
                                                     "parameters can be the entry"));
    }
    return absl::OkStatus();
  }
  if (name == "_start") {
    return absl::InvalidArgumentError("not a WASI command: it exports no _start function");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("exports no function \"", name, "\" (named by process.args[0] after '#')"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Guest>> Guest::load(const oci::WasiPlan& plan,
                                                   const ContainerRoot& root,
                                                   const std::vector<int>& listeners) {
  std::unique_ptr<Guest> g(new Guest());
  g->path_ = plan.module_path;
  g->function_ = plan.function;
  g->timeout_seconds_ = plan.engine.timeout_seconds;
  absl::StatusOr<std::vector<uint8_t>> bytes = read_in_root(root.fd.get(), g->path_);
  if (!bytes.ok()) return module_error(bytes.status(), g->path_);
  // The code cache shared by every container: $WASMSHIM_CACHE_DIR (the shim option cache_dir,
  // which `start` exports) or the default; unusable, it only costs a warning in the shim log.
  engine::EngineOptions options;
  options.cache.enabled = true;
  // A miss of a small module compiles and stores the whole artifact before the guest runs; a
  // large one runs lazily at once and tiers up when the artifact is there. Its fill must not run
  // here, in the container's cgroup: Delete removes the cgroup with everything still in it, so a
  // short-lived container's fill would never finish. The shim starts it (take_fill_fd).
  options.miss = plan.engine.compile_up_front ? engine::EngineOptions::Miss::kEager
                                              : engine::EngineOptions::Miss::kAutoFillElsewhere;
  absl::StatusOr<std::shared_ptr<const engine::CompiledModule>> module =
      engine::Engine(options).load(std::move(*bytes));
  if (!module.ok()) return module_error(module.status(), g->path_);
  g->module_ = std::move(*module);
  if (absl::Status s = check_entry(*g->module_->module, g->function_); !s.ok()) {
    return module_error(s, g->path_);
  }
  engine::StoreLimits limits;
  if (plan.engine.max_memory_bytes) {
    limits.max_memory_pages = std::max<uint64_t>(1, *plan.engine.max_memory_bytes / 65536);
  }
  g->store_ = std::make_unique<engine::Store>(limits);
  engine::wasi::WasiConfig config;
  config.args = plan.argv;
  config.env = plan.env;
  config.max_fds = plan.max_fds;
  config.listen_sockets = listeners;
  // Reopened through the descriptor: no search permission on the bundle's path is needed once
  // the process runs as the spec's user, and the path cannot be swapped meanwhile.
  config.dirs.push_back({"/", fd_path(root.fd.get()), false, engine::wasi::ResolveMode::kInRoot});
  absl::StatusOr<std::unique_ptr<GuestHost>> host = link_guest_host(config, *g->store_, g->linker_);
  if (!host.ok()) {
    return absl::Status(host.status().code(),
                        absl::StrCat("WASI for ", g->path_, ": ", host.status().message()));
  }
  g->host_ = std::move(*host);
  if (absl::StatusOr<std::vector<engine::Extern>> imports = g->linker_.resolve(*g->module_->module);
      !imports.ok()) {
    return module_error(imports.status(), g->path_);
  }
  return g;
}

int Guest::run(const std::atomic<int>& interrupted_by) {
  std::optional<Watchdog> watchdog;
  if (timeout_seconds_) watchdog.emplace(*store_, *timeout_seconds_, path_);
  absl::StatusOr<engine::Instance*> instance = engine::instantiate(*store_, *module_, linker_);
  absl::StatusOr<engine::Outcome> out =
      instance.ok() ? call_entry(*store_, **instance, function_) : instance.status();
  if (watchdog && watchdog->stop()) {
    bool stopped =
        !out.ok() || (out->trapped() && out->trap.code == engine::TrapCode::kInterrupted);
    if (stopped) {
      report(absl::StrCat(path_, ": timeout after ", *timeout_seconds_, "s (",
                          oci::kTimeoutAnnotation, "): interrupted"));
      return kTimeoutExit;
    }
  }
  if (int sig = interrupted_by.load(); sig != 0) {
    bool stopped =
        !out.ok() || (out->trapped() && out->trap.code == engine::TrapCode::kInterrupted);
    if (stopped) return 128 + sig;
  }
  if (!out.ok()) {
    report(absl::StrCat(path_, ": ",
                        instance.ok() ? "" : "instantiation failed: ", out.status().message()));
    return kTrapExit;
  }
  switch (out->kind) {
    case engine::Outcome::Kind::kReturned:
      return 0;
    case engine::Outcome::Kind::kExited:
      return out->exit_code;
    case engine::Outcome::Kind::kTrapped:
      break;
  }
  report(absl::StrCat(path_, ": wasm trap: ", out->trap.to_string()));
  return kTrapExit;
}

int Guest::take_fill_fd() {
  if (!module_ || !module_->fill_wanted || fill_taken_) return -1;
  fill_taken_ = true;
  int fd = ::memfd_create("wasmshim-module", MFD_CLOEXEC);
  if (fd < 0) return -1;
  const engine::ModuleBytes& bytes = module_->module->bytes;
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  return fd;
}

}  // namespace ws::shim
