// InstanceRuntime: create and exec as instance processes, with mounts, stdio and hooks.
#include "shim/runtime/instance_runtime.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "oci/spec.h"
#include "shim/runtime/container_setup.h"
#include "shim/runtime/hooks.h"
#include "shim/runtime/instance_process.h"
#include "shim/runtime/wasm_artifact.h"

namespace ws::shim {
namespace {

std::optional<ProcessIo::WindowSize> window(const oci::Process& p) {
  if (!p.console_size) return std::nullopt;
  return ProcessIo::WindowSize{p.console_size->width, p.console_size->height};
}

absl::StatusOr<std::shared_ptr<ProcessIo>> open_io(const Stdio& stdio, const oci::Process& p) {
  absl::StatusOr<std::unique_ptr<ProcessIo>> io = ProcessIo::open(stdio, window(p));
  if (!io.ok()) return io.status();
  return std::shared_ptr<ProcessIo>(std::move(*io));
}

}  // namespace

InstanceRuntime::InstanceRuntime(InstanceRuntimeOptions options)
    : options_(std::move(options)), handler_(std::make_shared<Handler>()) {}

InstanceRuntime::~InstanceRuntime() { set_exit_handler(nullptr); }

void InstanceRuntime::set_exit_handler(ExitHandler handler) {
  std::lock_guard<std::mutex> lock(handler_->mu);
  handler_->fn = std::move(handler);
}

absl::StatusOr<std::unique_ptr<Process>> InstanceRuntime::create(const CreateConfig& config) {
  absl::StatusOr<oci::Spec> spec = oci::load_spec(config.bundle);
  if (!spec.ok()) return spec.status();
  if (!spec->process || spec->process->args.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(config.bundle, "/config.json: process.args is empty: no module to run"));
  }
  absl::StatusOr<std::unique_ptr<RootfsMounts>> mounts =
      RootfsMounts::mount(config.rootfs, rootfs_path(config.bundle, *spec));
  if (!mounts.ok()) return mounts.status();
  // A pod sandbox runs nothing from its image (instance_main.cpp): no module to fetch.
  if (options_.images && !oci::is_pod_sandbox(*spec)) {
    absl::Status s = materialise_wasm_artifact(*options_.images, config.id, *spec,
                                               rootfs_path(config.bundle, *spec));
    if (!s.ok()) return s;
  }
  absl::StatusOr<std::shared_ptr<ProcessIo>> io = open_io(config.stdio, *spec->process);
  if (!io.ok()) return io.status();
  absl::StatusOr<std::shared_ptr<ContainerCgroup>> cgroup =
      ContainerCgroup::create(*spec, options_.ns, config.id);
  if (!cgroup.ok()) return cgroup.status();
  // Until the process is returned, a failure removes the cgroup again.
  std::shared_ptr<ContainerCgroup> pending = *cgroup;
  struct RemoveOnFailure {
    std::shared_ptr<ContainerCgroup>* cg;
    ~RemoveOnFailure() {
      if (*cg) (*cg)->remove().IgnoreError();
    }
  } guard{&pending};

  LaunchRequest request{options_, {}, *io, handler_, *cgroup};
  request.setup.id = config.id;
  request.setup.bundle = config.bundle;
  request.setup.terminal = config.stdio.terminal;
  absl::StatusOr<std::unique_ptr<InstanceProcess>> process = InstanceProcess::launch(request);
  if (!process.ok()) return process.status();

  // The instance exists with its namespaces: what Docker's prestart hook configures.
  HookState state{spec->oci_version, config.id,     "creating",
                  (*process)->pid(), config.bundle, spec->annotations};
  absl::Status hooks = run_hooks("prestart", spec->hooks.prestart, state);
  if (hooks.ok()) hooks = run_hooks("createRuntime", spec->hooks.create_runtime, state);
  if (!hooks.ok()) {
    (*process)->abandon();
    return hooks;
  }
  // For `delete` after a shim crash: which instance process to kill (as runc's init.pid).
  std::string pid_text = absl::StrCat((*process)->pid());
  if (int fd = ::open(absl::StrCat(config.bundle, "/init.pid").c_str(),
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      fd >= 0) {
    ssize_t n = ::write(fd, pid_text.data(), pid_text.size());
    (void)n;
    ::close(fd);
  }
  (*process)->make_init(std::move(*mounts), std::move(*spec), config.id, config.bundle,
                        std::move(pending));
  pending = nullptr;
  (*process)->arm();
  return std::unique_ptr<Process>(std::move(*process));
}

absl::StatusOr<std::unique_ptr<Process>> InstanceRuntime::exec(const CreateConfig& container,
                                                               Process& init,
                                                               const ExecConfig& config) {
  auto* owner = dynamic_cast<InstanceProcess*>(&init);
  if (owner == nullptr || owner->spec() == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("exec ", config.exec_id, ": container ",
                                                   container.id,
                                                   " has no init process of this runtime"));
  }
  if (oci::is_pod_sandbox(*owner->spec())) {
    // The sandbox holds the pod's namespaces and runs nothing; an exec would run a module from
    // the pause image in the shim's own mount namespace.
    return absl::FailedPreconditionError(absl::StrCat("exec ", config.exec_id, ": container ",
                                                      container.id,
                                                      " is a pod sandbox: nothing runs in it"));
  }
  if (owner->exited()) {
    return absl::FailedPreconditionError(
        absl::StrCat("exec ", config.exec_id, ": container ", container.id, " has exited"));
  }
  absl::StatusOr<oci::Process> process = oci::parse_process(config.process_json);
  if (!process.ok()) return process.status();
  if (process->args.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("exec ", config.exec_id, ": process.args is empty: no module to run"));
  }
  absl::StatusOr<std::shared_ptr<ProcessIo>> io = open_io(config.stdio, *process);
  if (!io.ok()) return io.status();
  LaunchRequest request{options_, {}, *io, handler_, owner->cgroup()};
  request.setup.id = container.id;
  request.setup.bundle = container.bundle;
  request.setup.init_pid = owner->pid();
  request.setup.process_json = config.process_json;
  request.setup.terminal = config.stdio.terminal;
  absl::StatusOr<std::unique_ptr<InstanceProcess>> launched = InstanceProcess::launch(request);
  if (!launched.ok()) return launched.status();
  (*launched)->arm();
  return std::unique_ptr<Process>(std::move(*launched));
}

}  // namespace ws::shim
