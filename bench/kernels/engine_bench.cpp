// ws_kernels_bench: times the kernel modules through the engine facade and prints JSON lines.
//
// Per kernel: Engine::load three times (best wall time: decode + validate + LLVM JIT), one
// instantiate with no imports, then `run(n)` once untimed and the best of K calls, all on that
// one instance like node_runner.mjs (`run` re-initialises its own state). Output as harness.h
// describes, plus
//   "compile_seconds": best wall time of Engine::load (what a user waits for),
//   "jit_seconds":     CompiledModule::compile_seconds of that load (code generation alone),
//   "code_bytes":      size of the module's code section (section 10 contents).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "harness.h"
#include "support/file.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace eng = ws::engine;

// Code-section size from the section headers alone (0 if absent or malformed); independent of
// the engine so compile cost per MB means the same thing for every engine.
uint64_t code_section_bytes(const std::vector<uint8_t>& b) {
  size_t pos = 8;
  auto leb = [&](uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 35 && pos < b.size(); shift += 7) {
      uint8_t byte = b[pos++];
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  };
  while (pos < b.size()) {
    uint8_t id = b[pos++];
    uint64_t size;
    if (!leb(size) || size > b.size() - pos) return 0;
    if (id == 10) return size;
    pos += size;
  }
  return 0;
}

std::string message(const absl::Status& s) { return std::string(s.message()); }

// A trap's text with at most `n` lines of its backtrace kept (deep recursion gives hundreds).
std::string first_lines(const std::string& text, int n) {
  size_t pos = 0;
  for (int i = 0; i <= n && pos != std::string::npos; ++i) pos = text.find('\n', pos + 1);
  return pos == std::string::npos ? text : text.substr(0, pos) + "\n  ...";
}

struct Loaded {
  std::shared_ptr<const eng::CompiledModule> module;
  double load_seconds = 1e30;
  double jit_seconds = 0;
};

// Best of three loads (the first also pays for LLVM's one-time setup).
bool load_best_of_3(const eng::Engine& engine, const std::vector<uint8_t>& bytes,
                    const std::string& path, Loaded& out) {
  for (int i = 0; i < 3; ++i) {
    std::vector<uint8_t> copy = bytes;  // load() takes ownership; copy before the clock
    Clock::time_point t0 = Clock::now();
    absl::StatusOr<std::shared_ptr<const eng::CompiledModule>> m = engine.load(std::move(copy));
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!m.ok()) {
      std::fprintf(stderr, "ws_kernels_bench: %s: %s\n", path.c_str(), message(m.status()).c_str());
      return false;
    }
    if (s < out.load_seconds) {
      out.load_seconds = s;
      out.jit_seconds = (*m)->compile_seconds;
    }
    out.module = *std::move(m);
  }
  return true;
}

// Loads, instantiates and times one kernel; false when anything failed (reported on stderr).
bool bench_kernel(const eng::Engine& engine, const ws::bench::Options& opts,
                  const ws::bench::KernelRequest& k) {
  std::string path = opts.dir + "/ws_kernel_" + k.name + ".wasm";
  absl::StatusOr<std::vector<uint8_t>> bytes = ws::support::read_file(path);
  if (!bytes.ok()) {
    std::fprintf(stderr, "ws_kernels_bench: %s\n", message(bytes.status()).c_str());
    return false;
  }
  Loaded loaded;
  if (!load_best_of_3(engine, *bytes, path, loaded)) return false;

  eng::Store store;
  eng::Linker no_imports;
  absl::StatusOr<eng::Instance*> inst = eng::instantiate(store, *loaded.module, no_imports);
  if (!inst.ok()) {
    std::fprintf(stderr, "ws_kernels_bench: %s: instantiate: %s\n", path.c_str(),
                 message(inst.status()).c_str());
    return false;
  }

  const eng::abi::RawValue arg = eng::raw_i32(k.n);
  ws::bench::Timing t = ws::bench::time_best_of(opts.runs, [&](int64_t& sum, std::string& error) {
    absl::StatusOr<eng::Outcome> out = eng::call_export(store, **inst, "run", {&arg, 1});
    if (!out.ok()) {
      error = message(out.status());
      return false;
    }
    if (!out->returned()) {
      error = out->trapped() ? out->trap.to_string()
                             : "exited with code " + std::to_string(out->exit_code);
      return false;
    }
    if (out->results.size() != 1) {
      error = "run returned " + std::to_string(out->results.size()) + " values";
      return false;
    }
    sum = eng::raw_as_i64(out->results[0]);
    return true;
  });
  if (!t.ok) {
    std::fprintf(stderr, "ws_kernels_bench: %s: run(%d): %s\n", k.name.c_str(),
                 static_cast<int>(k.n), first_lines(t.error, 8).c_str());
    return false;
  }
  char extra[128];
  std::snprintf(extra, sizeof extra,
                ",\"compile_seconds\":%.6f,\"jit_seconds\":%.6f,\"code_bytes\":%llu",
                loaded.load_seconds, loaded.jit_seconds,
                static_cast<unsigned long long>(code_section_bytes(*bytes)));
  ws::bench::print_result("ours", k, opts.runs, t, extra);
  if (!t.consistent) {
    std::fprintf(stderr, "ws_kernels_bench: %s returned different checksums across calls\n",
                 k.name.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ws::bench::Options opts;
  if (!ws::bench::parse_options(argc, argv, /*wants_dir=*/true, opts)) return 2;
  eng::Engine engine;
  int status = 0;
  for (const ws::bench::KernelRequest& k : opts.kernels) {
    if (!bench_kernel(engine, opts, k)) status = 1;
  }
  return status;
}
