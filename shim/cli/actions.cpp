// serve and delete.
#include "shim/cli/actions.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "cgroups/cgroup.h"
#include "cgroups/path.h"
#include "oci/spec.h"
#include "proto/containerd/runtime/task/v2/shim.pb.h"
#include "proto/containerd/types/introspection.pb.h"
#include "shim/events/ttrpc_publisher.h"
#include "shim/server/grpc_server.h"
#include "shim/server/task_binding.h"
#include "shim/task/task_service.h"
#include "shim/ttrpc/server.h"
#include "support/file.h"
#include "support/log.h"

namespace ws::shim {
namespace {

sigset_t shim_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void open_log(const Flags& flags) {
  int fd = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd >= 0) {
    support::set_log_sink(fd, flags.debug ? support::LogLevel::kDebug : support::LogLevel::kInfo);
  }
  support::set_log_fields(
      absl::StrCat("namespace=", flags.ns, " id=", flags.id, " runtime=io.containerd.wasm.v1"));
}

// Notifies `stop` on SIGTERM/SIGINT (blocked in every thread: block_shim_signals) until `done`
// is signalled. Sleeps in poll(2): no periodic wake-up, and it returns as soon as `done` is.
class SignalThread {
 public:
  explicit SignalThread(absl::Notification& stop) {
    sigset_t set = shim_signals();
    signals_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    done_ = eventfd(0, EFD_CLOEXEC);
    if (signals_ < 0 || done_ < 0) {
      support::log_error(absl::StrCat("cannot watch SIGTERM and SIGINT: ", strerror(errno)));
      return;
    }
    thread_ = std::thread([this, &stop] {
      for (;;) {
        pollfd fds[2] = {{signals_, POLLIN, 0}, {done_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR) {
          support::log_error(absl::StrCat("signal thread: poll: ", strerror(errno)));
          return;
        }
        if (fds[1].revents != 0) return;
        signalfd_siginfo info;
        if (fds[0].revents != 0 && read(signals_, &info, sizeof info) == sizeof info &&
            !stop.HasBeenNotified()) {
          support::log_info(absl::StrCat("received signal ", info.ssi_signo, ": stopping"));
          stop.Notify();
        }
      }
    });
  }
  ~SignalThread() {
    if (thread_.joinable()) {
      uint64_t one = 1;
      if (write(done_, &one, sizeof one) != sizeof one) support::log_warning("signal thread");
      thread_.join();
    }
    if (signals_ >= 0) close(signals_);
    if (done_ >= 0) close(done_);
  }
  // False when the thread could not start: the blocked signals would have no reader.
  bool ok() const { return thread_.joinable(); }
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  int signals_ = -1;
  int done_ = -1;
  std::thread thread_;
};

// Serves `registry` over the protocol of `flags` until `stop` is notified.
int run_transport(const Flags& flags, std::shared_ptr<ttrpc::ServiceRegistry> registry,
                  absl::Notification& stop) {
  std::string socket_path(absl::StripPrefix(flags.socket, "unix://"));
  if (flags.protocol == "grpc") {
    GrpcServer server(registry);
    absl::Status s = server.listen(flags.socket);
    char ready = '1';
    if (s.ok() && write(3, &ready, 1) != 1) s = absl::InternalError("cannot signal readiness");
    close(3);
    if (!s.ok()) {
      support::log_error(absl::StrCat("cannot serve grpc on ", flags.socket, ": ", s.ToString()));
      return 1;
    }
    support::log_info(absl::StrCat("serving task v3 over grpc on ", flags.socket));
    stop.WaitForNotification();
    server.shutdown(absl::Seconds(3));
    return 0;
  }
  ttrpc::Server server(registry);
  // `start` hands the bound socket over as fd 3; instance processes must not inherit it.
  bool inherited = !flags.socket.empty() && fcntl(3, F_SETFD, FD_CLOEXEC) == 0;
  absl::Status listening =
      inherited ? server.serve(ttrpc::UniqueFd(3)) : server.listen(flags.socket);
  if (!listening.ok()) {
    support::log_error(absl::StrCat("cannot serve ", flags.socket, ": ", listening.ToString()));
    return 1;
  }
  support::log_info(absl::StrCat("serving task v2/v3 over ttrpc on ", flags.socket));
  stop.WaitForNotification();
  server.shutdown(absl::Seconds(3));
  if (!socket_path.empty()) unlink(socket_path.c_str());
  return 0;
}

void unmount_all(const std::string& path) {
  for (int i = 0; i < 64; ++i) {
    if (umount2(path.c_str(), MNT_DETACH) != 0) return;  // EINVAL: nothing (more) mounted
  }
}

// After a shim or instance crash: the container's cgroup (and what is still in it) goes too.
void remove_cgroup(const Flags& flags, const std::string& bundle) {
  absl::StatusOr<oci::Spec> spec = oci::load_spec(bundle);
  if (!spec.ok() || flags.id.empty()) return;  // no config.json: nothing was created from it
  absl::StatusOr<std::string> path =
      cgroups::resolve_path(spec->linux.cgroups_path, flags.ns, flags.id);
  if (!path.ok()) return;
  absl::StatusOr<std::unique_ptr<cgroups::Cgroup>> cg = cgroups::Cgroup::open(*path);
  if (!cg.ok()) return;  // NOT_FOUND: already gone
  if (absl::Status s = (*cg)->remove(); !s.ok()) {
    std::cerr << "delete: " << s.message() << "\n";
  }
}

}  // namespace

void block_shim_signals() {
  sigset_t set = shim_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // FIFOs and sockets lose their readers when containerd restarts
}

int serve(const Flags& flags, Runtime& runtime) {
  open_log(flags);
  const char* events_address = getenv("TTRPC_ADDRESS");
  TtrpcPublisher publisher(events_address ? events_address : "", flags.ns);
  auto registry = std::make_shared<ttrpc::ServiceRegistry>();
  absl::Notification stop;
  int rc;
  {
    TaskService service(runtime, publisher, [&stop] {
      if (!stop.HasBeenNotified()) stop.Notify();
    });
    if (absl::Status s = register_task_service(service, *registry); !s.ok()) {
      support::log_error(absl::StrCat("cannot register the task service: ", s.ToString()));
      return 1;
    }
    SignalThread signals(stop);
    rc = signals.ok() ? run_transport(flags, registry, stop) : 1;
  }
  publisher.flush(absl::Seconds(2));
  support::log_info("shim exited");
  return rc;
}

int delete_action(const Flags& flags, const std::string& bundle) {
  absl::StatusOr<std::string> pid_text =
      support::read_text_file(absl::StrCat(bundle, "/", kInitPidFile));
  int pid = 0;
  // The bundle of container `id` is <state>/<namespace>/<id>: anything else is not ours to kill.
  bool ours = flags.id.empty() || absl::EndsWith(bundle, "/" + flags.id);
  if (ours && pid_text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*pid_text), &pid) &&
      pid > 1) {
    // Only if it is still one of our instance processes (pids are reused).
    // /proc files report size 0: read to EOF rather than by size.
    std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"), std::ios::binary);
    absl::StatusOr<std::string> cmdline =
        std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // argv of an instance process: exactly "<...containerd-shim-wasm-v1>\0instance\0" (a server
    // whose namespace or id is "instance" has that word in its argv too).
    std::vector<std::string> argv;
    if (cmdline.ok()) argv = absl::StrSplit(*cmdline, '\0', absl::SkipEmpty());
    if (argv.size() == 2 && absl::EndsWith(argv[0], "containerd-shim-wasm-v1") &&
        argv[1] == "instance") {
      kill(pid, SIGKILL);
    }
  }
  unmount_all(bundle + "/rootfs");
  if (ours) remove_cgroup(flags, bundle);
  ::containerd::task::v2::DeleteResponse out;
  out.set_pid(static_cast<uint32_t>(pid > 0 ? pid : 0));
  out.set_exit_status(128 + SIGKILL);
  int64_t ns = absl::ToUnixNanos(absl::Now());
  out.mutable_exited_at()->set_seconds(ns / 1000000000);
  out.mutable_exited_at()->set_nanos(static_cast<int32_t>(ns % 1000000000));
  std::string bytes = out.SerializeAsString();
  std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::cout.flush();
  return 0;
}

int info_action() {
  std::string options((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  ::containerd::types::RuntimeInfo info;
  info.set_name("io.containerd.wasm.v1");
  info.mutable_version()->set_version(kShimVersion);
  info.mutable_version()->set_revision(kShimRevision);
  google::protobuf::Any any;
  if (!options.empty() && any.ParseFromString(options) && !any.type_url().empty()) {
    *info.mutable_options() = any;
  }
  std::string bytes = info.SerializeAsString();
  std::cout.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::cout.flush();
  return 0;
}

int version_action() {
  std::cout << "containerd-shim-wasm-v1:\n  Version:  " << kShimVersion
            << "\n  Revision: " << kShimRevision << "\n  Runtime:  io.containerd.wasm.v1\n";
  return 0;
}

}  // namespace ws::shim
