// ws_aot_bench: eager compile throughput (threads, phases, peak RSS) and the warm AOT start
// (read, decode, key, load_artifact, instantiate) of one module. Prints figures; never a test.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "engine/aot.h"
#include "engine/codegen/codegen.h"
#include "engine/decode/decoder.h"
#include "engine/engine.h"
#include "engine/runtime/artifact.h"
#include "support/file.h"

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
      "    of this engine (same format; for timing an artifact that took long to compile).\n");
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

int load(const Options& o) {
  double best[6] = {1e9, 1e9, 1e9, 1e9, 1e9, 1e9};
  for (int run = 0; run < o.runs; ++run) {
    auto t0 = Clock::now();
    auto bytes = ws::support::read_file(o.module);
    if (!bytes.ok()) return std::fprintf(stderr, "%s\n", bytes.status().ToString().c_str()), 1;
    double read = since(t0);
    auto t1 = Clock::now();
    aot::Key key = aot::make_key(*bytes, o.opt);
    double keying = since(t1);
    if (o.any_build) {
      auto recorded = aot::read_artifact_key(o.artifact);
      if (!recorded.ok())
        return std::fprintf(stderr, "%s\n", recorded.status().ToString().c_str()), 1;
      key.engine_build = recorded->engine_build;
    }
    auto t2 = Clock::now();
    auto m = decode_module(std::move(*bytes), Features{}, BodyCheck::kDeferred);
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
    for (size_t k = 0; run + 1 == o.runs && k < o.invoke.size(); ++k) {
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
    for (int i = 0; i < 6; ++i) best[i] = std::min(best[i], now[i]);
  }
  std::printf(
      "warm start (best of %d, memory image %s): read %.1f ms, key (sha256) %.1f ms, decode "
      "%.1f ms, load_artifact %.2f ms, instantiate %.2f ms; total to first instruction %.1f ms "
      "(without the key %.1f ms); peak RSS %.0f MB\n",
      o.runs, o.no_image ? "copied" : "mapped", best[0] * 1e3, best[1] * 1e3, best[2] * 1e3,
      best[3] * 1e3, best[4] * 1e3, best[5] * 1e3, (best[5] - best[1]) * 1e3, peak_rss_mb());
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
