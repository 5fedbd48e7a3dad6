// ws_aot_bench: eager compile throughput (threads, phases, peak RSS) and the warm AOT start
// (read, decode, key, load_artifact, instantiate) of one module. Prints figures; never a test.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/aot.h"
#include "engine/codegen/codegen.h"
#include "engine/decode/decoder.h"
#include "engine/engine.h"
#include "engine/runtime/artifact.h"
#include "support/artifact_cache.h"
#include "support/cpu_id.h"
#include "support/file.h"
#include "support/sha256.h"

namespace {

using namespace ws::engine;  // NOLINT: a benchmark's main file
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

struct Options {
  std::string mode;  // compile | load
  std::string module;
  std::string artifact;
  int threads = 0;
  int opt = 2;
  int runs = 3;
  bool no_image = false;
  bool any_build = false;
  std::vector<std::string> invoke;  // load: exports to call in order after the last run
};

void usage() {
  std::fprintf(
      stderr,
      "usage: ws_aot_bench compile [--threads N] [--opt N] [--write ARTIFACT] MODULE\n"
      "       ws_aot_bench load [--runs N] [--no-image] [--any-build] [--opt N] ARTIFACT MODULE\n"
      "  compile: decode, validate, compile_eager with N threads (0 = all cores);\n"
      "    prints wall time, MB/s of function-body bytes (total and per thread), the\n"
      "    summed time of IR emission / optimisation / code generation, link time and\n"
      "    peak RSS; --write also writes the AOT artifact of that image.\n"
      "  load: the warm start, best of N: read the module, decode (bodies deferred),\n"
      "    key (sha256), load_artifact, instantiate with WASI imports (memory image\n"
      "    mapped, or copied with --no-image). --any-build accepts an artifact of another build\n"
      "    of this engine (same format; its engine build and CPU id are taken as expected, for\n"
      "    timing an artifact that took long to compile). Each run times the start before\n"
      "    (read + sha256) and after (mapped, key from an identity index entry), interleaved.\n");
}

bool parse(int argc, char** argv, Options& o) {
  if (argc < 2) return false;
  o.mode = argv[1];
  std::vector<std::string> rest;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto number = [&](int& out) { return i + 1 < argc && absl::SimpleAtoi(argv[++i], &out); };
    if (a == "--threads") {
      if (!number(o.threads)) return false;
    } else if (a == "--opt") {
      if (!number(o.opt)) return false;
    } else if (a == "--runs") {
      if (!number(o.runs)) return false;
    } else if (a == "--write" && i + 1 < argc) {
      o.artifact = argv[++i];
    } else if (a == "--no-image") {
      o.no_image = true;
    } else if (a == "--invoke" && i + 1 < argc) {
      o.invoke.push_back(argv[++i]);
    } else if (a == "--any-build") {
      o.any_build = true;
    } else {
      rest.push_back(a);
    }
  }
  if (o.mode == "compile" && rest.size() == 1) {
    o.module = rest[0];
    return true;
  }
  if (o.mode == "load" && rest.size() == 2) {
    o.artifact = rest[0];
    o.module = rest[1];
    return true;
  }
  return false;
}

int compile(const Options& o) {
  auto bytes = ws::support::read_file(o.module);
  if (!bytes.ok()) return std::fprintf(stderr, "%s\n", bytes.status().ToString().c_str()), 1;
  std::vector<uint8_t> copy = *bytes;
  auto t0 = Clock::now();
  auto m = decode_module(std::move(copy), Features{}, BodyCheck::kDeferred);
  if (!m.ok()) return std::fprintf(stderr, "%s\n", m.status().ToString().c_str()), 1;
  double decode = since(t0);
  auto t1 = Clock::now();
  auto info = validate_module(*m, Features{});
  if (!info.ok()) return std::fprintf(stderr, "%s\n", info.status().ToString().c_str()), 1;
  double validate = since(t1);
  uint64_t body = 0;
  for (const Code& c : m->codes) body += c.body.size;
  CompileOptions opts;
  opts.opt_level = o.opt;
  opts.threads = o.threads;
  CompileStats stats;
  auto t2 = Clock::now();
  auto image = compile_eager(*m, *info, opts, &stats);
  double wall = since(t2);
  if (!image.ok()) return std::fprintf(stderr, "%s\n", image.status().ToString().c_str()), 1;
  double mb = static_cast<double>(body) / 1e6;
  std::printf("module %s: %zu bytes, %zu functions, %.2f MB of function bodies\n", o.module.c_str(),
              bytes->size(), m->codes.size(), mb);
  std::printf("decode (deferred bodies) %.3f s, validate %.3f s\n", decode, validate);
  std::printf(
      "compile -O%d: %d threads, %d partitions: %.2f s wall, %.3f MB/s, %.3f MB/s per thread\n",
      o.opt, stats.threads, stats.partitions, wall, mb / wall, mb / wall / stats.threads);
  std::printf(
      "  summed over threads: IR emission %.2f s, optimisation %.2f s, codegen %.2f s; "
      "link %.3f s\n",
      stats.emit_seconds, stats.opt_seconds, stats.codegen_seconds, stats.link_seconds);
  std::printf("  image %.2f MB (%.2f MB code), %zu imports, objects %.2f MB; peak RSS %.0f MB\n",
              static_cast<double>(image->bytes.size()) / 1e6,
              static_cast<double>(image->code_size) / 1e6, image->imports.size(),
              static_cast<double>(stats.object_bytes) / 1e6, peak_rss_mb());
  if (o.artifact.empty()) return 0;
  // What compile_artifact does after compile_eager, on the image compiled above.
  aot::Key key = aot::make_key(*bytes, o.opt);
  auto t3 = Clock::now();
  std::vector<uint8_t> art = aot::write_artifact(key, *m, *image, aot::build_memory_image(*m));
  std::ofstream(o.artifact, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(art.data()), static_cast<std::streamsize>(art.size()));
  std::printf("artifact %s: %.2f MB written in %.3f s\n", o.artifact.c_str(),
              static_cast<double>(art.size()) / 1e6, since(t3));
  return 0;
}

// Imports neither WASI nor anything else defines (CRuby's rb-js-abi-host) trap when called.
void define_trapping_imports(Store& store, Linker& linker, const Module& m) {
  for (const Import& imp : m.imports) {
    if (imp.kind != ExternKind::kFunc || linker.find(imp.module, imp.name)) continue;
    HostFunction fn;
    fn.type = m.types[imp.func_type];
    fn.name = imp.module + "." + imp.name;
    fn.callback = [](Caller&, std::span<const ws::engine::abi::RawValue>,
                     std::span<ws::engine::abi::RawValue>) {
      return absl::UnimplementedError("unknown import called");
    };
    linker.define(imp.module, imp.name, Extern::of(store.create_host_function(fn)));
  }
}

// One warm start to the first instruction. before: read the file into a vector and sha256 it
// (Engine::load as it was). after: map the file and take the key from an identity index entry
// (what Engine::load_file does on a warm start: stat identity hashed, a small file read, the key
// built from the recorded sha256; no hashing of the module).
int warm_once(const Options& o, bool after, const std::string& index_dir, double phases[6],
              bool invoke) {
  auto t0 = Clock::now();
  ModuleBytes bytes;
  aot::Key key;
  double read = 0, keying = 0;
  if (after) {
    auto file = ws::support::MappedFile::open(o.module);
    if (!file.ok()) return std::fprintf(stderr, "%s\n", file.status().ToString().c_str()), 1;
    bytes = ModuleBytes(*file, (*file)->bytes());
    read = since(t0);
    auto t1 = Clock::now();
    const struct stat& st = (*file)->stat();
    std::string name = ws::support::sha256_hex(
        absl::StrCat("wasmshim-identity-v1 dev=", st.st_dev, " ino=", st.st_ino,
                     " size=", st.st_size, " mtime=", st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec,
                     " ctime=", st.st_ctim.tv_sec, ".", st.st_ctim.tv_nsec, " opt=", o.opt,
                     " build=", aot::engine_build_id(), " cpu=", ws::support::host_cpu_id()));
    ws::support::ArtifactCacheOptions co;
    co.dir = index_dir;
    auto cache = ws::support::ArtifactCache::open(co);
    if (!cache.ok()) return std::fprintf(stderr, "%s\n", cache.status().ToString().c_str()), 1;
    if (!cache->read_index(name)) {  // first run: record the sha256 as load_file would
      aot::Key k = aot::make_key(bytes, o.opt);
      std::string sha(reinterpret_cast<const char*>(k.module_sha256.data()), 32);
      (void)cache->write_index(name, absl::StrCat(k.digest(), " ", absl::BytesToHexString(sha)));
      return warm_once(o, after, index_dir, phases, invoke);
    }
    std::optional<std::string> entry = cache->read_index(name);
    std::string raw = absl::HexStringToBytes(entry->substr(entry->find(' ') + 1));
    std::memcpy(key.module_sha256.data(), raw.data(), 32);
    key.engine_build = aot::engine_build_id();
    key.cpu_features = ws::support::host_cpu_id();
    key.opt_level = o.opt;
    keying = since(t1);
  } else {
    auto v = ws::support::read_file(o.module);
    if (!v.ok()) return std::fprintf(stderr, "%s\n", v.status().ToString().c_str()), 1;
    read = since(t0);
    auto t1 = Clock::now();
    key = aot::make_key(*v, o.opt);
    keying = since(t1);
    bytes = ModuleBytes(std::move(*v));
  }
  if (o.any_build) {
    auto recorded = aot::read_artifact_key(o.artifact);
    if (!recorded.ok())
      return std::fprintf(stderr, "%s\n", recorded.status().ToString().c_str()), 1;
    key.engine_build = recorded->engine_build;
    key.cpu_features = recorded->cpu_features;  // older builds recorded LLVM's feature string
  }
  auto t2 = Clock::now();
  auto m = decode_module(std::move(bytes), Features{}, BodyCheck::kDeferred);
  if (!m.ok()) return std::fprintf(stderr, "%s\n", m.status().ToString().c_str()), 1;
  double decode = since(t2);
  auto cm = std::make_shared<CompiledModule>();
  cm->module = std::make_shared<const Module>(std::move(*m));
  auto t3 = Clock::now();
  auto code = aot::load_artifact(o.artifact, *cm->module, key);
  if (!code.ok()) return std::fprintf(stderr, "%s\n", code.status().ToString().c_str()), 1;
  double loading = since(t3);
  if (o.no_image) {
    auto copy = std::make_shared<CompiledCode>(**code);
    copy->memory_image.reset();
    cm->code = copy;
  } else {
    cm->code = *code;
  }
  auto t4 = Clock::now();
  Store store;
  Linker linker;
  wasi::WasiConfig config;
  config.args = {"ruby"};
  auto ctx = wasi::WasiContext::create(config);
  if (!ctx.ok()) return std::fprintf(stderr, "%s\n", ctx.status().ToString().c_str()), 1;
  (*ctx)->define(store, linker);
  define_trapping_imports(store, linker, *cm->module);
  auto inst = instantiate(store, *cm, linker);
  if (!inst.ok()) return std::fprintf(stderr, "%s\n", inst.status().ToString().c_str()), 1;
  double instantiating = since(t4);
  double total = since(t0);
  for (size_t k = 0; invoke && k < o.invoke.size(); ++k) {
    auto t5 = Clock::now();
    std::fflush(stdout);
    auto out = call_export(store, **inst, o.invoke[k], {});
    if (!out.ok()) return std::fprintf(stderr, "%s\n", out.status().ToString().c_str()), 1;
    std::printf("%s: %s in %.3f s\n", o.invoke[k].c_str(),
                out->returned()  ? "returned"
                : out->trapped() ? out->trap.message.c_str()
                                 : "exited",
                since(t5));
  }
  double now[6] = {read, keying, decode, loading, instantiating, total};
  std::copy(now, now + 6, phases);
  return 0;
}

int load(const Options& o) {
  std::string index_dir = "/tmp/ws-aot-bench-index-" + std::to_string(getpid());
  std::vector<std::array<double, 6>> runs[2];
  for (int run = 0; run < o.runs; ++run) {
    for (int after = 0; after < 2; ++after) {  // interleaved: same machine load for both
      std::array<double, 6> p{};
      if (int rc = warm_once(o, after == 1, index_dir, p.data(), after == 1 && run + 1 == o.runs))
        return rc;
      runs[after].push_back(p);
    }
  }
  std::filesystem::remove_all(index_dir);
  for (int after = 0; after < 2; ++after) {
    double best[6], median[6];
    for (int i = 0; i < 6; ++i) {
      std::vector<double> v;
      for (const auto& p : runs[after]) v.push_back(p[i]);
      std::sort(v.begin(), v.end());
      best[i] = v.front();
      median[i] = v[v.size() / 2];
    }
    std::printf(
        "warm start %s (%d runs, memory image %s): %s %.2f ms, key %s %.2f ms, decode %.1f ms, "
        "load_artifact %.2f ms, instantiate %.2f ms; to first instruction best %.1f ms, median "
        "%.1f ms; peak RSS %.0f MB\n",
        after ? "after (mapped, identity index)" : "before (read + sha256)", o.runs,
        o.no_image ? "copied" : "mapped", after ? "map" : "read", best[0] * 1e3,
        after ? "(index)" : "(sha256)", best[1] * 1e3, best[2] * 1e3, best[3] * 1e3, best[4] * 1e3,
        best[5] * 1e3, median[5] * 1e3, peak_rss_mb());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    usage();
    return 2;
  }
  return o.mode == "compile" ? compile(o) : load(o);
}
