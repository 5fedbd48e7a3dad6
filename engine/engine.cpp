// The engine facade: ties the decoder, validator, code generator and runtime together.
#include "engine/engine.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/aot.h"
#include "engine/cache_fill.h"
#include "engine/codegen/codegen.h"
#include "engine/decode/decoder.h"
#include "engine/runtime/intrinsics.h"
#include "support/artifact_cache.h"
#include "support/file.h"
#include "support/log.h"

namespace ws::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Fills cm.code from cm.module and cm.info.
absl::Status compile_code(CompiledModule& cm, const EngineOptions& options) {
  CompileOptions opts;
  opts.opt_level = options.opt_level;
  opts.lazy_codegen_level = options.lazy_codegen_level;
  static_assert(kRuntimeIntrinsicCount == kNumIntrinsics);
  const auto& addrs = runtime_intrinsics();
  std::copy(addrs.begin(), addrs.end(), opts.intrinsics.begin());
  auto t0 = Clock::now();
  absl::StatusOr<std::shared_ptr<const CompiledCode>> code;
  if (options.tier == EngineOptions::Tier::kLazy) {
    code = compile_lazy(cm.module, cm.info, opts);
  } else {
    absl::StatusOr<CodeImage> image = compile_eager(*cm.module, cm.info, opts);
    if (!image.ok()) return image.status();
    code = load_code_image(*image);
  }
  if (!code.ok()) return code.status();
  cm.code = std::move(*code);
  cm.compile_seconds = seconds_since(t0);
  return absl::OkStatus();
}

// The cache the options name, or nullopt after one warning when it cannot be used.
std::optional<support::ArtifactCache> open_cache(const CacheOptions& options) {
  support::ArtifactCacheOptions o;
  o.create_parents = options.dir.empty();  // the default location may need /var/lib/wasmshim
  o.dir = options.dir.empty() ? support::default_cache_dir() : options.dir;
  o.max_bytes = options.max_bytes;
  o.verify = [](std::span<const uint8_t> bytes) { return aot::verify_artifact(bytes); };
  absl::StatusOr<support::ArtifactCache> cache = support::ArtifactCache::open(std::move(o));
  if (!cache.ok()) {
    support::log_warning(absl::StrCat(cache.status().message(), "; compiling without the cache"));
    return std::nullopt;
  }
  return *std::move(cache);
}

// Maps artifact bytes that could not be stored from an anonymous file, so that they still run.
absl::StatusOr<std::shared_ptr<const CompiledCode>> load_unstored(
    const std::vector<uint8_t>& artifact, const Module& m, const aot::Key& key) {
  int fd = memfd_create("wasmshim-artifact", MFD_CLOEXEC);
  if (fd < 0) return absl::InternalError("memfd_create failed");
  size_t done = 0;
  while (done < artifact.size()) {
    ssize_t n = write(fd, artifact.data() + done, artifact.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  absl::StatusOr<std::shared_ptr<const CompiledCode>> code =
      done == artifact.size() ? aot::load_artifact(absl::StrCat("/proc/self/fd/", fd), m, key)
                              : absl::InternalError("cannot write the artifact to memory");
  close(fd);  // the mapping keeps the file
  return code;
}

// A miss: compiles an artifact, stores it in `cache` and maps the stored file (code pages then
// come from the page cache, shared with every other process running the module).
absl::Status compile_through_cache(CompiledModule& cm, const support::ArtifactCache& cache,
                                   const aot::Key& key, int threads) {
  auto t0 = Clock::now();
  absl::StatusOr<std::vector<uint8_t>> artifact =
      aot::compile_artifact(*cm.module, cm.info, key, threads);
  if (!artifact.ok()) return artifact.status();  // the module's problem: a JIT would fail alike
  cm.compile_seconds = seconds_since(t0);
  auto t1 = Clock::now();
  absl::StatusOr<std::string> path = cache.insert(key.digest(), *artifact);
  absl::StatusOr<std::shared_ptr<const CompiledCode>> code =
      path.ok() ? aot::load_artifact(*path, *cm.module, key) : path.status();
  if (!code.ok()) {
    support::log_warning(absl::StrCat("artifact cache: ", code.status().message(),
                                      "; running the module without storing it"));
    code = load_unstored(*artifact, *cm.module, key);
    if (!code.ok()) return code.status();
  } else {
    cm.artifact_path = *path;
  }
  cm.code = std::move(*code);
  cm.cache_seconds = seconds_since(t1);
  return absl::OkStatus();
}

// Bytes of function bodies: what the compile time of an artifact grows with.
uint64_t code_bytes(const Module& m) {
  uint64_t total = 0;
  for (const Code& c : m.codes) total += c.body.size;
  return total;
}

// The background fill's body (in the forked process): compile, store, report by exit code.
int fill_cache(const CompiledModule& cm, const support::ArtifactCache& cache, const aot::Key& key,
               int threads) {
  if (cache.lookup(key.digest())) return 0;  // a fill that just finished stored it
  absl::StatusOr<std::vector<uint8_t>> artifact =
      aot::compile_artifact(*cm.module, cm.info, key, threads);
  if (!artifact.ok()) return 1;
  return cache.insert(key.digest(), *artifact).ok() ? 0 : 2;
}

// A miss of a large module: a background process fills the cache while this run goes lazy.
absl::Status run_lazily_and_fill(CompiledModule& cm, const support::ArtifactCache* cache,
                                 const aot::Key& key, const EngineOptions& options) {
  if (cache != nullptr) {
    absl::StatusOr<int> pid = start_cache_fill(cache->dir(), key.digest(), [&] {
      return fill_cache(cm, *cache, key, options.compile_threads);
    });
    if (!pid.ok()) {
      support::log_warning(absl::StrCat("artifact cache: ", pid.status().message(),
                                        "; this run does not fill the cache"));
    } else {
      cm.fill_started = *pid > 0;
      cm.fill_pid = *pid;
    }
  }
  EngineOptions lazy = options;
  lazy.tier = EngineOptions::Tier::kLazy;
  cm.tier = EngineOptions::Tier::kLazy;
  return compile_code(cm, lazy);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load(
    std::vector<uint8_t> bytes) const {
  auto cm = std::make_shared<CompiledModule>();
  std::optional<aot::Key> key;
  std::optional<support::ArtifactCache> cache;
  if (options_.cache.enabled) {
    auto tk = Clock::now();
    key = aot::make_key(bytes, options_.opt_level);
    cm->key_seconds = seconds_since(tk);
    cache = open_cache(options_.cache);
  }
  auto t0 = Clock::now();
  absl::StatusOr<Module> m =
      decode_module(std::move(bytes), options_.features, BodyCheck::kDeferred);
  if (!m.ok()) return m.status();
  cm->decode_seconds = seconds_since(t0);
  cm->module = std::make_shared<const Module>(std::move(*m));
  if (cache) {
    auto tc = Clock::now();
    if (std::optional<std::string> path = cache->lookup(key->digest())) {
      absl::StatusOr<std::shared_ptr<const CompiledCode>> code =
          aot::load_artifact(*path, *cm->module, *key);
      if (code.ok()) {
        // No validation here: artifacts are only ever compiled from modules that validated,
        // and the key that matched holds the sha256 of exactly these bytes.
        cm->code = std::move(*code);
        cm->from_cache = true;
        cm->artifact_path = *path;
        cm->cache_seconds = seconds_since(tc);
        return std::shared_ptr<const CompiledModule>(std::move(cm));
      }
      support::log_warning(absl::StrCat("artifact cache: ", *path, ": ", code.status().message(),
                                        "; compiling the module again"));
    }
  }
  auto t1 = Clock::now();
  absl::StatusOr<ModuleInfo> info = validate_module(*cm->module, options_.features);
  if (!info.ok()) return info.status();
  cm->validate_seconds = seconds_since(t1);
  cm->info = std::move(*info);
  using Miss = EngineOptions::Miss;
  bool eager_miss = options_.miss == Miss::kEager ||
                    (options_.miss == Miss::kAuto &&
                     code_bytes(*cm->module) < options_.eager_miss_max_code_bytes);
  absl::Status s;
  if (!cache) {
    s = compile_code(*cm, options_);
    cm->tier = options_.tier;
  } else if (eager_miss) {
    s = compile_through_cache(*cm, *cache, *key, options_.compile_threads);
  } else {
    s = run_lazily_and_fill(*cm, options_.miss == Miss::kAuto ? &*cache : nullptr, *key, options_);
  }
  if (!s.ok()) return s;
  return std::shared_ptr<const CompiledModule>(std::move(cm));
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load_file(
    const std::string& path) const {
  absl::StatusOr<std::vector<uint8_t>> bytes = support::read_file(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::shared_ptr<const CompiledModule>> out = load(std::move(*bytes));
  if (!out.ok()) {
    return absl::Status(out.status().code(), absl::StrCat(path, ": ", out.status().message()));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::compile(Module module,
                                                                      ModuleInfo info) const {
  auto cm = std::make_shared<CompiledModule>();
  cm->module = std::make_shared<const Module>(std::move(module));
  cm->info = std::move(info);
  absl::Status s = compile_code(*cm, options_);
  if (!s.ok()) return s;
  return std::shared_ptr<const CompiledModule>(std::move(cm));
}

absl::StatusOr<Instance*> instantiate(Store& store, const CompiledModule& module,
                                      const Linker& linker) {
  absl::StatusOr<std::vector<Extern>> imports = linker.resolve(*module.module);
  if (!imports.ok()) return imports.status();
  return store.instantiate(module.module, module.code, *imports);
}

absl::StatusOr<Outcome> call_export(Store& store, const Instance& instance, std::string_view name,
                                    std::span<const abi::RawValue> args) {
  std::optional<Extern> e = instance.find_export(name);
  if (!e || e->kind != ExternKind::kFunc) {
    return absl::NotFoundError(absl::StrCat("no exported function \"", std::string(name), "\""));
  }
  return store.invoke(e->func, args);
}

absl::StatusOr<Outcome> run_command(Store& store, const Instance& instance) {
  absl::StatusOr<Outcome> out = call_export(store, instance, "_start", {});
  if (out.ok() && out->returned()) {
    out->kind = Outcome::Kind::kExited;
    out->exit_code = 0;
    out->results.clear();
  }
  return out;
}

}  // namespace ws::engine
