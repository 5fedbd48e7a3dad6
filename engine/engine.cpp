// The engine facade: ties the decoder, validator, code generator and runtime together.
#include "engine/engine.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/aot.h"
#include "engine/cache_fill.h"
#include "engine/codegen/codegen.h"
#include "engine/decode/decoder.h"
#include "engine/runtime/intrinsics.h"
#include "engine/tier_up.h"
#include "support/artifact_cache.h"
#include "support/cpu_id.h"
#include "support/file.h"
#include "support/log.h"
#include "support/sha256.h"

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
  absl::Status s = compile_code(cm, lazy);
  if (s.ok() && cache != nullptr && options.tier_up) {
    cm.tier_up = start_tier_up(cm.code, cm.module, *cache, key, 0);
  }
  return s;
}

// A miss of a large module under Miss::kAutoFillElsewhere: lazy now, the caller starts the fill.
absl::Status run_lazily_fill_elsewhere(CompiledModule& cm, const support::ArtifactCache& cache,
                                       const aot::Key& key, const EngineOptions& options) {
  EngineOptions lazy = options;
  lazy.tier = EngineOptions::Tier::kLazy;
  cm.tier = EngineOptions::Tier::kLazy;
  cm.fill_wanted = true;
  absl::Status s = compile_code(cm, lazy);
  if (s.ok() && options.tier_up) {
    cm.tier_up = start_tier_up(cm.code, cm.module, cache, key, options.fill_grace_seconds);
  }
  return s;
}

// The identity index: lets load_file skip hashing a module file it has seen before.
//
// An entry is a file "id-<sha256 of the identity>" in the cache directory holding
// "<key digest> <module sha256 hex>"; the identity is the file's (st_dev, st_ino, st_size,
// st_mtim, st_ctim in ns) plus the opt level, engine build and CPU id. Trust argument: the
// cache directory is 0700, owned by the user and checked so on open (support/artifact_cache),
// so only the user (or root) can write an entry, and those can already replace the artifacts
// themselves: the index adds nobody who can plant code. A modified file never matches an entry:
// every write, truncate, chmod or rename onto the path changes st_ctim (or the inode), and
// ctime cannot be set by users (only moving the system clock, which needs root, could). To stay
// clear of coarse timestamps (a write in the same clock tick as the one recorded), an entry is
// only written for a file whose ctime is CacheOptions::identity_min_age_ms (2 s) old. Nothing in an
// entry is believed without checks: its digest must be the key built from the claimed sha256 (so
// this build, CPU and opt level), and load_artifact compares the artifact's recorded key, module
// sha256 included, with it. Any doubt (no entry, unreadable, malformed, no artifact, key mismatch)
// falls back to hashing the whole module.
std::string identity_name(const struct stat& st, int opt_level) {
  auto ns = [](const timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1000000000 + static_cast<int64_t>(t.tv_nsec);
  };
  return support::sha256_hex(
      absl::StrCat("wasmshim-identity-v1 dev=", st.st_dev, " ino=", st.st_ino, " size=", st.st_size,
                   " mtime=", ns(st.st_mtim), " ctime=", ns(st.st_ctim), " opt=", opt_level,
                   " build=", aot::engine_build_id(), " cpu=", support::host_cpu_id()));
}

std::optional<aot::Key> key_from_index(const support::ArtifactCache& cache, const std::string& name,
                                       int opt_level) {
  std::optional<std::string> entry = cache.read_index(name);
  if (!entry) return std::nullopt;
  std::vector<std::string> parts = absl::StrSplit(*entry, ' ');
  if (parts.size() != 2 || parts[1].size() != 64) return std::nullopt;
  if (!support::ArtifactCache::valid_digest(parts[1])) return std::nullopt;  // lowercase hex
  std::string raw = absl::HexStringToBytes(parts[1]);
  if (raw.size() != 32) return std::nullopt;
  aot::Key key;
  std::memcpy(key.module_sha256.data(), raw.data(), 32);
  key.engine_build = aot::engine_build_id();
  key.cpu_features = support::host_cpu_id();
  key.opt_level = opt_level;
  if (key.digest() != parts[0]) return std::nullopt;
  return key;
}

void remember_identity(const support::ArtifactCache& cache, const struct stat& st,
                       const std::string& name, const aot::Key& key, int64_t min_age_ms) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  auto ms = [](const timespec& t) {
    return static_cast<int64_t>(t.tv_sec) * 1000 + static_cast<int64_t>(t.tv_nsec) / 1000000;
  };
  if (ms(now) - ms(st.st_ctim) < min_age_ms) return;  // too recent: see identity_name
  std::string sha(reinterpret_cast<const char*>(key.module_sha256.data()), 32);
  absl::Status s =
      cache.write_index(name, absl::StrCat(key.digest(), " ", absl::BytesToHexString(sha)));
  if (!s.ok()) support::log_warning(std::string(s.message()));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load(
    std::vector<uint8_t> bytes) const {
  return load_impl(ModuleBytes(std::move(bytes)), nullptr, false);
}

absl::StatusOr<int> Engine::start_background_fill(std::vector<uint8_t> bytes) const {
  std::optional<support::ArtifactCache> cache =
      options_.cache.enabled ? open_cache(options_.cache) : std::nullopt;
  if (!cache) return absl::FailedPreconditionError("no usable code cache to fill");
  aot::Key key = aot::make_key(bytes, options_.opt_level);
  if (cache->lookup(key.digest())) return 0;
  return start_cache_fill(cache->dir(), key.digest(), [&]() -> int {
    absl::StatusOr<Module> m =
        decode_module(ModuleBytes(std::move(bytes)), options_.features, BodyCheck::kDeferred);
    if (!m.ok()) return 3;
    CompiledModule cm;
    cm.module = std::make_shared<const Module>(std::move(*m));
    absl::StatusOr<ModuleInfo> info = validate_module(*cm.module, options_.features);
    if (!info.ok()) return 3;
    cm.info = std::move(*info);
    return fill_cache(cm, *cache, key, options_.compile_threads);
  });
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load_impl(ModuleBytes bytes,
                                                                        const struct stat* file,
                                                                        bool use_index) const {
  auto cm = std::make_shared<CompiledModule>();
  std::optional<aot::Key> key;
  std::optional<support::ArtifactCache> cache;
  std::string index_name;
  if (options_.cache.enabled) {
    cache = open_cache(options_.cache);
    auto tk = Clock::now();
    if (cache && file) {
      index_name = identity_name(*file, options_.opt_level);
      if (use_index) key = key_from_index(*cache, index_name, options_.opt_level);
    }
    cm->key_from_index = key.has_value();
    // Hashes straight from `bytes` (the mapping, for load_file): no copy.
    if (cache && !key) key = aot::make_key(bytes, options_.opt_level);
    cm->key_seconds = seconds_since(tk);
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
        // and the key that matched holds the sha256 of exactly these bytes (hashed now, or by
        // an earlier load of the same unmodified file: see identity_name).
        cm->code = std::move(*code);
        cm->from_cache = true;
        cm->artifact_path = *path;
        cm->cache_seconds = seconds_since(tc);
        if (!cm->key_from_index && !index_name.empty()) {
          remember_identity(*cache, *file, index_name, *key, options_.cache.identity_min_age_ms);
        }
        return std::shared_ptr<const CompiledModule>(std::move(cm));
      }
      if (cm->key_from_index) {
        // Any doubt about the index: hash the module as if there were none.
        return load_impl(cm->module->bytes, file, false);
      }
      support::log_warning(absl::StrCat("artifact cache: ", *path, ": ", code.status().message(),
                                        "; compiling the module again"));
    } else if (cm->key_from_index) {
      return load_impl(cm->module->bytes, file, false);
    }
  }
  if (cache && file) {
    // A miss stores an artifact every process of the user will trust for this key, so it is
    // compiled from a private copy hashed again: the mapped file may change under us.
    std::vector<uint8_t> copy(cm->module->bytes.begin(), cm->module->bytes.end());
    aot::Key copy_key = aot::make_key(copy, options_.opt_level);
    if (copy_key.digest() != key->digest()) {
      return absl::AbortedError("the module file changed while it was loaded");
    }
    absl::StatusOr<Module> m2 =
        decode_module(std::move(copy), options_.features, BodyCheck::kDeferred);
    if (!m2.ok()) return m2.status();
    cm->module = std::make_shared<const Module>(std::move(*m2));
  }
  auto t1 = Clock::now();
  absl::StatusOr<ModuleInfo> info = validate_module(*cm->module, options_.features);
  if (!info.ok()) return info.status();
  cm->validate_seconds = seconds_since(t1);
  cm->info = std::move(*info);
  using Miss = EngineOptions::Miss;
  bool auto_miss = options_.miss == Miss::kAuto || options_.miss == Miss::kAutoFillElsewhere;
  bool eager_miss = options_.miss == Miss::kEager ||
                    (auto_miss && code_bytes(*cm->module) < options_.eager_miss_max_code_bytes);
  absl::Status s;
  if (!cache) {
    s = compile_code(*cm, options_);
    cm->tier = options_.tier;
  } else if (eager_miss) {
    s = compile_through_cache(*cm, *cache, *key, options_.compile_threads);
  } else if (options_.miss == Miss::kAutoFillElsewhere) {
    s = run_lazily_fill_elsewhere(*cm, *cache, *key, options_);
  } else {
    s = run_lazily_and_fill(*cm, options_.miss == Miss::kAuto ? &*cache : nullptr, *key, options_);
  }
  if (!s.ok()) return s;
  if (cache && !index_name.empty() && !cm->artifact_path.empty()) {
    remember_identity(*cache, *file, index_name, *key, options_.cache.identity_min_age_ms);
  }
  return std::shared_ptr<const CompiledModule>(std::move(cm));
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load_file(
    const std::string& path) const {
  absl::StatusOr<std::shared_ptr<const support::MappedFile>> file = support::MappedFile::open(path);
  if (!file.ok()) return file.status();
  ModuleBytes bytes(*file, (*file)->bytes());
  absl::StatusOr<std::shared_ptr<const CompiledModule>> out =
      load_impl(std::move(bytes), &(*file)->stat(), true);
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
