// The instance process: set up the container, load the guest, report, wait for start, run.
#include "shim/runtime/instance_main.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cgroups/cgroup.h"
#include "cgroups/resources.h"
#include "engine/engine.h"
#include "oci/spec.h"
#include "oci/wasi_plan.h"
#include "shim/runtime/container_setup.h"
#include "shim/runtime/guest.h"
#include "shim/runtime/in_root.h"
#include "shim/runtime/listen.h"
#include "shim/runtime/protocol.h"
#include "shim/runtime/stats_page.h"
#include "support/log.h"

namespace ws::shim {
namespace {

// io.wasmshim.memory-limit-headroom: linear memory stays `headroom` below the cgroup's memory
// limit (and below io.wasmshim.max-memory), so memory.grow fails before the OOM killer strikes.
absl::Status cap_memory_below_limit(const absl::StatusOr<cgroups::Resources>& r,
                                    oci::WasiPlan& plan) {
  if (!plan.engine.memory_headroom_bytes) return absl::OkStatus();
  if (!r.ok()) return r.status();
  if (!r->memory.limit || *r->memory.limit <= 0) return absl::OkStatus();  // no limit: no cap
  uint64_t limit = static_cast<uint64_t>(*r->memory.limit);
  uint64_t headroom = *plan.engine.memory_headroom_bytes;
  if (limit < headroom + 65536) {
    return absl::InvalidArgumentError(absl::StrCat(
        "annotations.\"", oci::kMemoryHeadroomAnnotation, "\": the memory limit (", limit,
        " bytes) leaves no room for linear memory above a headroom of ", headroom, " bytes"));
  }
  uint64_t cap = limit - headroom;
  if (!plan.engine.max_memory_bytes || *plan.engine.max_memory_bytes > cap) {
    plan.engine.max_memory_bytes = cap;
  }
  return absl::OkStatus();
}

// A pids limit below this leaves too little room for the lazy tier's compile threads (threads
// count as pids; LLVM cannot recover when one fails to start), so such a container's cache miss
// compiles the whole artifact before the guest runs, as every miss did before the lazy tier.
constexpr int64_t kLazyMinPids = 256;

bool tight_pids_limit(const absl::StatusOr<cgroups::Resources>& r) {
  return r.ok() && r->pids_limit && *r->pids_limit > 0 && *r->pids_limit < kLazyMinPids;
}

std::atomic<int> g_signal{0};
std::atomic<engine::Store*> g_store{nullptr};

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// SIGTERM/SIGINT are blocked in every thread and taken here: a guest that is running is
// interrupted (Store::interrupt, repeated in case the request lands before the call starts, which
// clears it); one that has not started ends at once, one that sits in a blocking host call after
// a short grace period.
void signal_thread() {
  sigset_t set = stop_signals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  g_signal.store(sig);
  for (int i = 0; i < 50; ++i) {
    engine::Store* store = g_store.load();
    if (store == nullptr) break;
    store->interrupt();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  _exit(128 + sig);
}

// Engine log lines (e.g. an unusable code cache) go to the shim log containerd reads (the
// bundle's `log` FIFO), never to the container's stderr; without that FIFO only errors are
// written, to stderr.
void open_instance_log(const InstanceSetup& setup) {
  int fd = ::open(absl::StrCat(setup.bundle, "/log").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) {
    support::set_log_sink(fd, support::LogLevel::kInfo);
  } else {
    support::set_log_sink(STDERR_FILENO, support::LogLevel::kError);
  }
  support::set_log_fields(absl::StrCat("id=", setup.id, " instance=", getpid()));
}

// The guest to run, or null for a pod sandbox (nothing to run; see below).
absl::StatusOr<std::unique_ptr<Guest>> prepare(const InstanceSetup& setup) {
  open_instance_log(setup);
  absl::StatusOr<oci::Spec> spec = oci::load_spec(setup.bundle);
  if (!spec.ok()) return spec.status();
  if (!setup.is_exec() && oci::is_pod_sandbox(*spec)) {
    // A pod's sandbox (CRI's pause container) runs no guest: this process holds the pod's
    // network, IPC and UTS namespaces, which CRI hands to the pod's other containers as
    // /proc/<pid>/ns/..., until it is killed. Whatever the sandbox image holds is not run.
    if (absl::Status s = enter_namespaces(*spec); !s.ok()) return s;
    if (spec->process) {
      if (absl::Status s = apply_oom_score_adj(*spec->process); !s.ok()) return s;
    }
    return std::unique_ptr<Guest>();
  }
  oci::Process process;
  if (setup.is_exec()) {
    absl::StatusOr<oci::Process> p = oci::parse_process(setup.process_json);
    if (!p.ok()) return p.status();
    process = std::move(*p);
  } else if (spec->process) {
    process = *spec->process;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(setup.bundle, "/config.json: no process to run"));
  }
  // The config's own faults come out before anything is set up.
  std::vector<oci::PlannedMount> mounts;
  if (!setup.is_exec()) {
    absl::StatusOr<std::vector<oci::PlannedMount>> planned = oci::plan_mounts(spec->mounts);
    if (!planned.ok()) return planned.status();
    mounts = std::move(*planned);
  }
  absl::StatusOr<oci::EngineOptions> options = oci::plan_annotations(spec->annotations);
  if (!options.ok()) return options.status();
  absl::StatusOr<ContainerRoot> root = setup.is_exec()
                                           ? join_container(setup.bundle, *spec, setup.init_pid)
                                           : setup_init_container(setup.bundle, *spec, mounts);
  if (!root.ok()) return root.status();
  // In the container's network namespace, while still privileged (ports below 1024).
  absl::StatusOr<std::vector<UniqueFd>> listeners =
      setup.is_exec() ? std::vector<UniqueFd>() : open_listeners(options->listen);
  if (!listeners.ok()) return listeners.status();
  if (absl::Status s = apply_oom_score_adj(process); !s.ok()) return s;
  if (absl::Status s = apply_process_identity(process); !s.ok()) return s;
  // The entry is looked up as the process's user, on the root with its mounts.
  int root_fd = root->fd.get();
  absl::StatusOr<oci::WasiPlan> plan =
      oci::plan_wasi(*spec, process, setup.is_exec(),
                     [root_fd](const std::string& path) { return probe_in_root(root_fd, path); });
  if (!plan.ok()) return plan.status();
  absl::StatusOr<cgroups::Resources> resources =
      cgroups::parse_resources(spec->linux.resources_json);
  if (absl::Status s = cap_memory_below_limit(resources, *plan); !s.ok()) return s;
  plan->engine.compile_up_front = tight_pids_limit(resources);
  std::vector<int> listener_fds;
  for (const UniqueFd& fd : *listeners) listener_fds.push_back(fd.get());
  return Guest::load(*plan, *root, listener_fds);  // WASI keeps its own duplicates
}

}  // namespace

bool is_instance_invocation(int argc, char** argv) {
  return argc >= 2 && std::strcmp(argv[1], kInstanceCommand) == 0;
}

bool is_fill_invocation(int argc, char** argv) {
  return argc >= 2 && std::strcmp(argv[1], kFillCommand) == 0;
}

int fill_main(int, char**) {
  constexpr off_t kMaxFillModuleBytes = off_t{512} << 20;
  constexpr rlim_t kFillAddressSpace = rlim_t{8} << 30;  // more than is mapped at start
  constexpr rlim_t kFillCpuSeconds = 3600;
  struct stat st;
  if (::fstat(kSyncFd, &st) != 0 || st.st_size <= 0) return 2;
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        ::pread(kSyncFd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 2;
    done += static_cast<size_t>(n);
  }
  ::close(kSyncFd);
  // The module comes from a container, the fill runs outside its cgroup: bounded here instead
  // (one compile thread, address space and CPU time; idle priority comes with the fill).
  if (st.st_size > kMaxFillModuleBytes) return 2;
  if (::chdir("/") != 0) return 2;
  // On top of what is mapped already (a sanitizer's shadow alone is terabytes of it).
  rlim_t mapped = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "re")) {
    unsigned long pages = 0;
    if (std::fscanf(f, "%lu", &pages) == 1) mapped = rlim_t{pages} * ::getpagesize();
    std::fclose(f);
  }
  rlimit as{mapped + kFillAddressSpace, mapped + kFillAddressSpace};
  rlimit cpu{kFillCpuSeconds, kFillCpuSeconds};
  ::setrlimit(RLIMIT_AS, &as);
  ::setrlimit(RLIMIT_CPU, &cpu);
  engine::EngineOptions options;  // as Guest::load's, so the key is the same
  options.cache.enabled = true;
  options.compile_threads = 1;
  absl::StatusOr<int> pid = engine::Engine(options).start_background_fill(std::move(bytes));
  return pid.ok() ? 0 : 1;
}

int instance_main(int, char**) {
  ::close_range(kStatsFd + 1, ~0U, 0);
  ::signal(SIGPIPE, SIG_IGN);  // a vanished reader is EPIPE for the guest, not death
  sigset_t stop = stop_signals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread: all inherit it

  absl::StatusOr<InstanceSetup> setup = recv_setup(kSyncFd);
  if (!setup.ok()) _exit(1);
  // Into the container's cgroups before anything else (single-threaded here). What this process
  // allocated until now (its start-up, the setup frame) stays charged where it was (v1 does not
  // move charges): the shim's cgroup, as with the shim adding the process after its exec.
  absl::Status joined = cgroups::join_self(setup->join_files);
  if (setup->terminal) ::ioctl(STDIN_FILENO, TIOCSCTTY, 0);
  // Before any memory exists, so that the shim's Stats see all of it.
  // (A failure costs only those figures: Stats then reports zero linear memory.)
  StatsPage::adopt_inherited(kStatsFd).IgnoreError();
  // Single-threaded until here: setns() into a mount namespace refuses threaded callers.
  absl::StatusOr<std::unique_ptr<Guest>> guest = joined.ok() ? prepare(*setup) : joined;
  std::thread(signal_thread).detach();  // a stop signal that came meanwhile is pending
  // A cache miss running lazily hands the shim its module: the shim starts the fill.
  int fill_fd = guest.ok() && *guest != nullptr ? (*guest)->take_fill_fd() : -1;
  absl::Status sent =
      send_ready(kSyncFd, guest.status(), fill_fd, joined.ok() && !setup->join_files.empty());
  if (fill_fd >= 0) ::close(fill_fd);
  if (!sent.ok() || !guest.ok()) _exit(1);
  if (!recv_start(kSyncFd)) _exit(1);  // the shim hung up instead: never started
  if (*guest == nullptr) {             // a pod sandbox: hold the namespaces until a signal ends it
    ::close(kSyncFd);
    for (;;) ::pause();
  }
  g_store.store(&(*guest)->store());
  ::close(kSyncFd);
  // _exit: no static destructor may race with the signal thread or engine threads.
  _exit((*guest)->run(g_signal));
}

}  // namespace ws::shim
