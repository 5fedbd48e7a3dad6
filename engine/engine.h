// The engine facade: bytes -> decoded, validated, compiled module; instantiate; call exports.
// Everything else (Store, Instance, Linker, Outcome) comes from engine/runtime.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/memory_totals.h"
#include "engine/runtime/outcome.h"
#include "engine/runtime/store.h"
#include "engine/runtime/value.h"
#include "engine/validate/validator.h"
#include "engine/wasi/wasi.h"

namespace ws::engine {

class TierUpStatus;  // engine/tier_up.h

// The persistent code cache (support/artifact_cache.h): AOT artifacts named by their key digest.
struct CacheOptions {
  bool enabled = false;  // off: load() compiles in memory, as compile() does
  std::string dir;       // empty: support::default_cache_dir() ($WASMSHIM_CACHE_DIR, ...)
  uint64_t max_bytes = uint64_t{4} << 30;
  // load_file records a module file's identity in the cache's index only once the file's ctime
  // is this old, so that coarse file timestamps cannot hide a later write (engine.cpp).
  int64_t identity_min_age_ms = 2000;
};

struct EngineOptions {
  // kEager compiles every function before load() returns; kLazy compiles each function at its
  // first call (cold starts of big modules), see compile_lazy in engine/codegen/codegen.h.
  // With the cache enabled, a miss follows `miss` below.
  enum class Tier { kEager, kLazy };
  // What load() does on a cache miss (cache enabled):
  //  kAuto: a module whose function bodies total less than eager_miss_max_code_bytes is
  //    compiled to an artifact, stored and mapped before load() returns (hello-sized modules:
  //    about 0.2 s). A larger one runs on the lazy tier now, and a detached background process
  //    compiles its artifact into the cache so that the next run is warm (sqlite3's 1.1 MB of
  //    code: ~50-60 s to the first instruction with the whole artifact first, ~0.1 s lazily).
  //  kEager: always compile and store the artifact first (the behaviour before kAuto).
  //  kLazy: always run on the lazy tier and start no background fill (this run stores nothing).
  //  kAutoFillElsewhere: as kAuto, but a large module's miss starts no fill from this process:
  //    CompiledModule::fill_wanted asks the caller to start one elsewhere (Engine::
  //    start_background_fill in a process of its choosing: the shim's, outside the container's
  //    cgroup), and the tier-up waits up to fill_grace_seconds for that fill to begin.
  // The background fill: load() forks (before the lazy JIT starts any thread) a double-forked,
  // setsid'd process at SCHED_IDLE and nice 19, with stdin/stdout/stderr on /dev/null and every
  // other descriptor closed, so it never writes to the run's output nor keeps a pipe, FIFO or
  // socket of the caller open (a shim's Wait/Delete do not wait for it). It holds an flock on
  // `<cache dir>/.fill-<digest>.lock`: a miss that finds the lock held starts no second fill.
  // It compiles with aot::compile_artifact, inserts through support::ArtifactCache and _exits.
  // It stays in the caller's namespaces and cgroup: in a container it is charged to the
  // container and dies with it (killed fills leave only a temporary file, see the cache), which
  // is why the shim asks for kEager.
  enum class Miss { kAuto, kEager, kLazy, kAutoFillElsewhere };
  Miss miss = Miss::kAuto;
  uint64_t eager_miss_max_code_bytes = 16 << 10;
  Features features;  // all supported proposals by default
  int opt_level = 2;  // LLVM optimisation level 0..3
  Tier tier = Tier::kEager;
  // kLazy: LLVM machine-code level after the IR pipeline at opt_level; 0 (fast instruction
  // selection and register allocation) compiles several times faster than 2, for code that
  // runs about 1.4-2x slower (bench/lazy).
  int lazy_codegen_level = 0;
  // Miss::kAuto's lazy run switches to the background fill's -O2 code once the fill has stored
  // it (engine/tier_up.h): a background thread polls the cache while the fill runs, then points
  // every function's stub at the artifact's code; calls made after that run it, frames already
  // running finish where they are. Off: the run stays on the lazy tier (the next run is warm).
  bool tier_up = true;
  double fill_grace_seconds = 60;  // kAutoFillElsewhere: how long the tier-up waits for the fill
  CacheOptions cache;
  int compile_threads = 0;  // threads of an artifact compile on a cache miss; 0: every core
};

// A module ready to instantiate in any number of stores, from any thread.
struct CompiledModule {
  std::shared_ptr<const Module> module;
  ModuleInfo info;  // empty when the code came from the cache (nothing validated or compiled)
  std::shared_ptr<const CompiledCode> code;
  double decode_seconds = 0;
  double validate_seconds = 0;
  double compile_seconds = 0;
  // What load() did with the cache: from_cache when the code was mapped from an artifact that
  // was already there (validation and compilation skipped); artifact_path is that file, or the
  // one a miss stored (empty without a cache).
  bool from_cache = false;
  std::string artifact_path;
  // The tier the code runs on (kEager also for code mapped from an artifact), and whether a
  // miss started a background fill of the cache (fill_pid: its process, 0 when none).
  EngineOptions::Tier tier = EngineOptions::Tier::kEager;
  bool fill_started = false;
  int fill_pid = 0;
  // Miss::kAutoFillElsewhere: this miss runs lazily and wants the caller to start the fill.
  bool fill_wanted = false;
  // The background tier-up's progress (EngineOptions::tier_up); null when none was started.
  std::shared_ptr<const TierUpStatus> tier_up;
  double key_seconds = 0;  // aot::make_key: hashing the module (or reading the index entry)
  // load_file with the cache: the key came from the cache's identity index (the file's device,
  // inode, size, mtime and ctime seen before), so the module was not hashed.
  bool key_from_index = false;
  double cache_seconds = 0;  // lookup, insert and mapping of the artifact
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  const EngineOptions& options() const { return options_; }

  // Decodes, validates and compiles. INVALID_ARGUMENT for a malformed or invalid module
  // (the message names the section or function, the offset and the reason); UNIMPLEMENTED for
  // instructions the compiler does not support yet.
  // With options.cache enabled, a module compiled before (same bytes, engine build, CPU and
  // opt level) is mapped from its artifact in the cache; a miss follows options.miss (compile,
  // store and map an artifact, or run lazily while a background process fills the cache). A cache
  // that cannot be used costs one warning (support/log) and the module is compiled in memory; a
  // damaged or mismatched artifact one log line and a recompile that replaces it.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> load(std::vector<uint8_t> bytes) const;
  // As load(), mapping `path` read-only (no copy; the module keeps the mapping alive); errors
  // name the file. With the cache, the key is first looked up in the cache's identity index
  // (see engine.cpp) so that a warm start does not hash the whole module.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> load_file(const std::string& path) const;
  // Starts the background fill of the cache for a module (`bytes`) from this process, as a miss
  // under Miss::kAuto does from the loading one (see EngineOptions::Miss): for a load that said
  // fill_wanted. Returns the fill's pid, or 0 when the cache has the artifact already or another
  // fill of it runs; FAILED_PRECONDITION when the cache is off or unusable. The fill decodes and
  // validates the bytes itself (an invalid module only ends the fill). Call it before this
  // process starts threads where possible (the fill is a forked copy of it).
  absl::StatusOr<int> start_background_fill(std::vector<uint8_t> bytes) const;
  // Compiles a module the caller already decoded and validated.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> compile(Module module,
                                                                ModuleInfo info) const;

 private:
  absl::StatusOr<std::shared_ptr<const CompiledModule>> load_impl(ModuleBytes bytes,
                                                                  const struct stat* file,
                                                                  bool use_index) const;
  EngineOptions options_;
};

// Resolves the module's imports through `linker` ("unknown import" when one is missing) and
// instantiates it in `store` (see Store::instantiate for the errors).
absl::StatusOr<Instance*> instantiate(Store& store, const CompiledModule& module,
                                      const Linker& linker);

// Calls the function exported as `name`; NOT_FOUND when there is no such function export.
absl::StatusOr<Outcome> call_export(Store& store, const Instance& instance, std::string_view name,
                                    std::span<const abi::RawValue> args);

// Runs a WASI command: calls its exported `_start` with no arguments (NOT_FOUND when there is
// none, or when it is not a function). A `_start` that returns normally is reported as
// Exited{0}, as a process whose main returned 0; proc_exit gives Exited{code}; a trap stays a
// trap. Define the WASI imports first with wasi::WasiContext::define (engine/wasi/wasi.h).
absl::StatusOr<Outcome> run_command(Store& store, const Instance& instance);

}  // namespace ws::engine
