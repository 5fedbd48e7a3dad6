// Shim options: from the runtime options containerd passes on `start`'s stdin
// (runtimeoptions.v1.Options with a TOML body or file), then the environment.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ws::shim {

struct ShimOptions {
  // "ttrpc" (every containerd) or "grpc" (containerd 1.7+: task v3 over gRPC).
  std::string protocol = "ttrpc";
  // Where instance processes keep compiled code (an absolute path); empty: the engine's default
  // ($WASMSHIM_CACHE_DIR of the shim's environment, else /var/lib/wasmshim/cache). `start`
  // passes it down as WASMSHIM_CACHE_DIR, so every container of the runtime shares it.
  std::string cache_dir;
};

// `stdin_bytes`: what containerd wrote on stdin (empty, a serialized Any of
// runtimeoptions.v1.Options, or something else, which is ignored). `env_protocol`:
// $WASMSHIM_PROTOCOL or null; `env_cache_dir`: $WASMSHIM_CACHE_DIR or null; the environment wins
// over the file. INVALID_ARGUMENT names a bad value or an unreadable config file.
absl::StatusOr<ShimOptions> load_shim_options(std::string_view stdin_bytes,
                                              const char* env_protocol,
                                              const char* env_cache_dir = nullptr);

// Applies a TOML options text: top-level `key = value` lines (string, bool or number values;
// comments and tables ignored). Known keys: protocol (also Protocol), cache_dir (also CacheDir).
absl::Status apply_options_text(std::string_view text, ShimOptions& out);

}  // namespace ws::shim
