// What an OCI bundle means for a WASI guest: the module to run and its entry function, argv,
// env, the root and the mounts to make, the fd bound and the engine options. Pure functions of
// the spec; the only look at the rootfs goes through a caller-supplied probe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oci/spec.h"

namespace ws::oci {

// Annotations that select the Wasm handler, as crun defines them.
inline constexpr absl::string_view kHandlerAnnotation = "run.oci.handler";            // "wasm"
inline constexpr absl::string_view kVariantAnnotation = "module.wasm.image/variant";  // compat...
// Our own engine options (documented in oci/README.md).
inline constexpr absl::string_view kMaxMemoryAnnotation = "io.wasmshim.max-memory";
inline constexpr absl::string_view kTimeoutAnnotation = "io.wasmshim.timeout";
// Off by default: caps linear memory at (cgroup memory limit - this headroom), so memory.grow
// returns -1 before the OOM killer would end the instance.
inline constexpr absl::string_view kMemoryHeadroomAnnotation = "io.wasmshim.memory-limit-headroom";
inline constexpr absl::string_view kListenAnnotation = "io.wasmshim.tcplisten";

// "app.wasm#run": the module path and the export to call instead of `_start`.
struct Entrypoint {
  std::string path;
  std::string function = "_start";
};

// Splits process.args[0] at its last '#'. INVALID_ARGUMENT (naming process.args[0]) for an empty
// path or an empty function name.
absl::StatusOr<Entrypoint> parse_entrypoint(absl::string_view arg0);

// What the first bytes of a file say it is.
enum class ModuleKind {
  kCoreModule,  // "\0asm" version 1
  kComponent,   // "\0asm" with the component-model layer
  kWasmText,    // starts like the text format: "(module"
  kOther,
};
ModuleKind classify_module(absl::string_view head);

// Looks at one in-root path (resolved the way the guest would see it: `..` stops at the root,
// symlinks resolve inside it) and returns its first 8 bytes. NOT_FOUND when it does not exist;
// FAILED_PRECONDITION when it is not a regular file; any other error passes through.
using ProbeFn = std::function<absl::StatusOr<std::string>(const std::string& in_root_path)>;

// Lexically normalises an absolute path: repeated '/' and '.' go, `..` pops (and stops at '/').
std::string clean_path(absl::string_view path);

// The in-root paths args[0] may name, in the order they are tried: absolute as given; with a
// '/' relative to process.cwd; else each PATH entry of process.env (relative PATH entries are
// taken from process.cwd), then process.cwd itself.
std::vector<std::string> entry_candidates(const std::string& entry_path, const Process& process);

// The first candidate the probe finds, checked to be a WebAssembly core module by its magic
// bytes. Errors are INVALID_ARGUMENT naming process.args[0].
absl::StatusOr<std::string> resolve_entry(const std::string& entry_path, const Process& process,
                                          const ProbeFn& probe);

struct PlannedMount {
  enum class Kind { kBind, kTmpfs, kOther };
  Kind kind = Kind::kOther;
  size_t index = 0;         // in spec.mounts (error messages say mounts[index])
  std::string destination;  // cleaned, absolute, in-root
  Mount mount;              // as given (source relative to the bundle for binds)
  bool read_only = false;
};

// The spec's mounts as the instance applies them, in order: kernel filesystems (proc, sysfs,
// devpts, mqueue, cgroup, ...) are dropped; binds (type "bind" or option bind/rbind), tmpfs and
// other types kept. INVALID_ARGUMENT naming mounts[i].<field>: a destination not absolute or
// with a `..` component, a bind without a source, an unknown type given filesystem data.
absl::StatusOr<std::vector<PlannedMount>> plan_mounts(const std::vector<Mount>& mounts);

// True for mount types a Wasm guest has no use for.
bool skipped_mount_type(absl::string_view type);

struct ListenAddress {
  std::string host;  // numeric IPv4 or IPv6 (without brackets)
  uint16_t port = 0;
};

struct EngineOptions {
  std::optional<uint64_t> max_memory_bytes;       // io.wasmshim.max-memory: "64M", "1G", "65536"
  std::optional<double> timeout_seconds;          // io.wasmshim.timeout: "2.5"
  std::optional<uint64_t> memory_headroom_bytes;  // io.wasmshim.memory-limit-headroom: "48M"
  // io.wasmshim.tcplisten: "127.0.0.1:8080,[::1]:8080": TCP listeners created in the
  // container's network namespace and given to the init process after its preopens (fd 4...).
  std::vector<ListenAddress> listen;
  // Not from an annotation: the instance sets it when the container's pids limit is tight (the
  // lazy tier's compile threads could not start there), so a cache miss compiles up front.
  bool compile_up_front = false;
};

// Checks run.oci.handler (absent or "wasm") and module.wasm.image/variant (absent, "compat" or
// "compat-smart") and reads our own annotations; INVALID_ARGUMENT naming the annotation.
absl::StatusOr<EngineOptions> plan_annotations(const std::map<std::string, std::string>& ann);

struct WasiPlan {
  std::string module_path;        // in-root path of the module
  std::string function;           // "_start" or the export named after '#'
  std::vector<std::string> argv;  // process.args exactly (argv[0] as given)
  std::vector<std::string> env;   // process.env exactly; nothing from the host
  // process.cwd: WASI has no working directory (wasi-libc starts at "/"); it only anchors a
  // relative args[0] and relative PATH entries.
  std::string cwd;
  bool root_readonly = false;        // the rootfs preopen "/" is read-only
  std::vector<PlannedMount> mounts;  // empty for an exec (it joins the init's mounts)
  uint32_t max_fds = 0;              // RLIMIT_NOFILE soft limit (0: the engine's bound)
  EngineOptions engine;
};

// The whole mapping for one process of `spec` (the spec's own process, or an exec's). `exec`
// skips the mounts. Errors are INVALID_ARGUMENT and name the field.
absl::StatusOr<WasiPlan> plan_wasi(const Spec& spec, const Process& process, bool exec,
                                   const ProbeFn& probe);

}  // namespace ws::oci
