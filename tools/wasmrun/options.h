// wasmrun's command line as plain data, and the pure parser that produces it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ws::tools {

// Exit statuses of wasmrun besides the guest's own exit code (see usage_text()).
inline constexpr int kExitUsage = 1;      // bad options or --invoke arguments
inline constexpr int kExitLoad = 2;       // module cannot be read, validated, linked or granted
inline constexpr int kExitTimeout = 124;  // --timeout expired (as coreutils timeout)
inline constexpr int kExitTrap = 134;     // the guest trapped (128 + SIGABRT, as the shim)

struct DirGrant {
  std::string guest_path;
  std::string host_path;
  bool read_only = false;
};

struct ListenAddress {
  std::string host;  // IPv4 or IPv6 literal, or a name ("localhost")
  uint16_t port = 0;
};

struct RunOptions {
  bool help = false;
  bool version = false;
  std::vector<DirGrant> dirs;
  std::vector<std::string> env;  // KEY=VALUE
  std::vector<ListenAddress> listen;
  std::optional<std::string> invoke;  // export to call instead of _start
  bool trap_unknown_imports = false;
  std::optional<uint64_t> max_memory_bytes;
  std::optional<double> timeout_seconds;
  int opt_level = 2;  // --opt-level / -O0..-O3
  // --tier: "eager" compiles every function (the artifact, on a cache miss) before running;
  // "lazy" compiles each function at its first call and stores no artifact on a miss; empty:
  // the engine's miss policy (EngineOptions::Miss::kAuto).
  std::string tier;
  std::optional<std::string> cache_dir;  // --cache-dir; else $WASMSHIM_CACHE_DIR or the default
  bool no_cache = false;                 // --no-cache: compile in memory, touch no cache
  bool no_tier_up = false;  // --no-tier-up: a lazy run after a miss stays on the lazy tier
  std::optional<uint64_t> cache_max_bytes;  // --cache-max: size bound of the cache directory
  std::string module_path;
  std::vector<std::string> guest_args;  // everything after the module path
};

// Parses wasmrun's arguments (argv without the program name). Options come before the module
// path; everything after it belongs to the guest. Errors are INVALID_ARGUMENT with a message
// that names the option and the problem.
absl::StatusOr<RunOptions> parse_options(std::span<const std::string> args);

// "1048576", "64K", "16M", "2G" (binary multiples) -> bytes.
absl::StatusOr<uint64_t> parse_byte_size(absl::string_view text);
// "GUEST:HOST", "GUEST:HOST:ro" or "HOST" (the same path both sides).
absl::StatusOr<DirGrant> parse_dir(absl::string_view text);
// "ADDR:PORT" or "[IPV6]:PORT".
absl::StatusOr<ListenAddress> parse_listen(absl::string_view text);

std::string usage_text();
std::string version_text();

}  // namespace ws::tools
