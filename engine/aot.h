// Ahead-of-time artifacts: a module's native code and the metadata the runtime needs, in a file
// the runtime maps without LLVM. Produced by codegen (wasmc, the engine on a cache miss),
// consumed by engine/runtime. Keys bind an artifact to the exact module bytes, this engine build,
// the CPU features the code assumes and the optimisation level.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/code.h"
#include "engine/validate/validator.h"

namespace ws::engine::aot {

struct Key {
  std::array<uint8_t, 32> module_sha256{};
  std::string engine_build;  // identifies this engine build (code generator and ABI)
  // The host CPU the code was generated for: support::host_cpu_id() (computed without LLVM, so a
  // warm start never loads the code generator), which determines LLVM's host CPU and features.
  std::string cpu_features;
  int opt_level = 2;
  // Hex digest of all of the above: the artifact's name in a content-addressed cache.
  std::string digest() const;
};

// Identifies this engine build: a hash of the code generator's and the ABI's sources taken at
// build time (engine/cmake/build_id.cmake). Available without the compiler (engine/runtime).
std::string engine_build_id();

// The key for `module_bytes` compiled by this engine build for this machine at `opt_level`.
Key make_key(std::span<const uint8_t> module_bytes, int opt_level);

// Compiles every function of `m` (validated; `info` from the validator) into artifact bytes
// carrying `key`. `threads` = 0 uses every core.
absl::StatusOr<std::vector<uint8_t>> compile_artifact(const Module& m, const ModuleInfo& info,
                                                      const Key& key, int threads = 0);

// Full check of an artifact file's bytes (header, sizes, whole-content checksum): what a cache
// does before it accepts a file. INVALID_ARGUMENT naming what is wrong.
absl::Status verify_artifact(std::span<const uint8_t> bytes);

// The key an artifact's bytes carry (header and metadata parsed, not verified: run
// verify_artifact first). INVALID_ARGUMENT when they are no artifact.
absl::StatusOr<Key> read_key(std::span<const uint8_t> bytes);

// Maps the artifact at `path` for `m` (code pages file-backed and read-only). FAILED_PRECONDITION
// when its key differs from `expected` (the message says which part: module, engine build, CPU
// features, opt level) or when the artifact needs a CPU feature (sse4.2, avx2, bmi2, avx512*, ...)
// that cpuid says this CPU lacks; INVALID_ARGUMENT when the file is truncated or its header or
// metadata hash is wrong. Checks header, sizes and the metadata hash only, not every code page.
absl::StatusOr<std::shared_ptr<const CompiledCode>> load_artifact(const std::string& path,
                                                                  const Module& m,
                                                                  const Key& expected);

// The key recorded in the artifact at `path` (header and metadata hash checked). Lets a process
// without the compiler build its expected key: module sha256, engine_build_id() and opt level of
// its own, CPU features taken from the artifact (load_artifact still checks them against cpuid).
absl::StatusOr<Key> read_artifact_key(const std::string& path);

}  // namespace ws::engine::aot
