// containerd-shim-wasm-v1: the binary containerd runs for runtime io.containerd.wasm.v1.
//   ... start            spawn (or find) the shim server and print its address; the server is
//                        this process forked (no second exec)
//   ... delete           clean up one container without the server
//   ... (no action)      the server itself (what start forks; also runs when exec'd directly)
//   -v / -info           version text / RuntimeInfo
//   instance ...         hidden: one guest's instance process (spawned by the server when
//                        containerd-shim-wasm-v1-instance is not installed beside this binary)
//   fill-cache           hidden: starts the code-cache fill of an instance's cache miss
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "shim/cli/actions.h"
#include "shim/cli/bootstrap.h"
#include "shim/cli/flags.h"
#include "shim/cli/options.h"
#include "shim/runtime/instance_main.h"
#include "shim/runtime/instance_runtime.h"
#include "shim/runtime/reaper.h"
#include "shim/server/containerd_content.h"
#include "support/log.h"

namespace {

std::string self_path() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string working_dir() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

// A warning from `start` goes to the bundle's log FIFO, which containerd reads into its own log:
// containerd takes everything `start` writes to stdout or stderr as its reply.
void warn_in_shim_log(std::string_view message) {
  int fd = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return;
  ws::support::set_log_sink(fd, ws::support::LogLevel::kWarning);
  ws::support::log_warning(message);
  ws::support::set_log_sink(2, ws::support::LogLevel::kInfo);
  close(fd);
}

// The server: signals first, before any thread exists. Runs in the process `start` forked, or in
// a process exec'd with the server's flags.
int server_main(const ws::shim::Flags& flags) {
  ws::shim::block_shim_signals();
  // One malloc arena for all of the server's threads: they are few and mostly waiting, and an
  // arena per thread cost each a mapping, its first pages and memory the others cannot reuse.
  mallopt(M_ARENA_MAX, 1);
  if (absl::Status s = ws::shim::become_child_subreaper(); !s.ok()) {
    ws::support::log_warning(std::string(s.message()));
  }
  ws::shim::InstanceRuntimeOptions options;
  options.instance_binary = ws::shim::instance_binary_beside(self_path());
  if (options.instance_binary == self_path()) {
    // This binary is linked at a fixed address (shim/CMakeLists.txt): guests should run in the
    // instance binary, a PIE.
    ws::support::log_warning(
        "containerd-shim-wasm-v1-instance is not installed beside the shim: instances run in the "
        "shim binary (slower to start, and without a randomised base address)");
  }
  options.ns = flags.ns;
  if (!flags.address.empty()) {
    options.images = ws::shim::containerd_image_content(flags.address, flags.ns);
  }
  ws::shim::InstanceRuntime runtime(options);
  return ws::shim::serve(flags, runtime);
}

int start(const ws::shim::Flags& flags) {
  // containerd writes runtime options (or nothing) on stdin and closes it.
  std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  absl::StatusOr<ws::shim::ShimOptions> options =
      ws::shim::load_shim_options(in, getenv("WASMSHIM_PROTOCOL"), getenv("WASMSHIM_CACHE_DIR"));
  if (!options.ok()) {
    std::cerr << options.status().message() << "\n";
    return 1;
  }
  // The server inherits this environment and passes it to every instance process, whose engine
  // reads it: one code cache for all containers of this runtime.
  if (!options->cache_dir.empty()) setenv("WASMSHIM_CACHE_DIR", options->cache_dir.c_str(), 1);
  // containerd 1.6 only understands a plain address, i.e. ttrpc; 1.7+ set MAX_SHIM_VERSION.
  std::string protocol = options->protocol;
  if (protocol == "grpc" && getenv("MAX_SHIM_VERSION") == nullptr) protocol = "ttrpc";
  // `start` is single-threaded: it forks the server instead of exec'ing this binary again,
  // unless asking containerd its version started gRPC's threads (a fork must not copy them).
  ws::shim::ServerLaunch launch = ws::shim::ServerLaunch::kFork;
  if (protocol == "grpc") {
    launch = ws::shim::ServerLaunch::kExec;
    absl::StatusOr<std::string> v =
        ws::shim::containerd_version(flags.address, std::chrono::seconds(5));
    if (!v.ok()) {
      protocol = "ttrpc";  // what every containerd takes
      warn_in_shim_log(absl::StrCat(v.status().message(), "; serving ttrpc instead of gRPC"));
    } else if (!ws::shim::containerd_takes_grpc_shims(*v)) {
      protocol = "ttrpc";
      warn_in_shim_log(absl::StrCat("containerd ", *v,
                                    " cannot keep a gRPC shim connection; serving ttrpc instead"));
    }
  }
  absl::StatusOr<ws::shim::StartResult> r = ws::shim::start_shim(
      flags, working_dir(), self_path(), protocol, ws::shim::kSocketDir, launch);
  if (!r.ok()) {
    std::cerr << r.status().message() << "\n";
    return 1;
  }
  if (r->server) return server_main(*r->server);  // the forked child
  std::cout << r->reply() << std::flush;
  // gRPC's threads may still run: leave without static destructors racing them.
  if (launch == ws::shim::ServerLaunch::kExec) _exit(0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The instance process: no signal mask games, no threads; the runtime library owns it.
  if (ws::shim::is_instance_invocation(argc, argv)) return ws::shim::instance_main(argc, argv);
  if (ws::shim::is_fill_invocation(argc, argv)) return ws::shim::fill_main(argc, argv);
  std::vector<std::string> args(argv + 1, argv + argc);

  absl::StatusOr<ws::shim::Flags> flags = ws::shim::parse_flags(args);
  if (!flags.ok()) {
    std::cerr << "containerd-shim-wasm-v1: " << flags.status().message() << "\n";
    return 2;
  }
  if (flags->version) return ws::shim::version_action();
  if (flags->info) return ws::shim::info_action();
  if (flags->action == "start") return start(*flags);
  if (flags->action == "delete") {
    return ws::shim::delete_action(*flags, flags->bundle.empty() ? working_dir() : flags->bundle);
  }
  return server_main(*flags);
}
