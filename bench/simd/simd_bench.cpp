// ws_simd_bench: the SIMD kernels natively (SSE4.2, AVX2) and as Wasm (scalar, -msimd128)
// through the engine, in one process, with the ratios that matter printed as a Markdown table.
//
// usage: ws_simd_bench [--runs K] [--dir DIR] [--lazy] [KERNEL[:N] ...]
// Each of the four builds is called once untimed, then the builds take turns K times (default
// 5) so that load from other users of the machine spreads over all columns; a column's figure
// is its best call. Every build must return the same checksum (exit 1 otherwise).
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "support/file.h"

extern "C" {
int64_t blur_sse42(int32_t);
int64_t blur_avx2(int32_t);
int64_t dot_sse42(int32_t);
int64_t dot_avx2(int32_t);
}

namespace {

namespace eng = ws::engine;
using Clock = std::chrono::steady_clock;
using NativeFn = int64_t (*)(int32_t);

struct SimdKernel {
  const char* name;
  int32_t default_n;
  const char* what;
  NativeFn sse42, avx2;
};

constexpr SimdKernel kKernels[] = {
    {"blur", 400, "n passes of a 3x3 binomial blur over a 1024x1024 8-bit image", &blur_sse42,
     &blur_avx2},
    {"dot", 40000, "n float dot products of 16384 elements (16 partial sums)", &dot_sse42,
     &dot_avx2},
};

// One build of a kernel: a native function or an instance's `run` export.
struct Build {
  std::string label;
  NativeFn native = nullptr;
  eng::Store* store = nullptr;
  eng::Instance* instance = nullptr;
  double best = 0;
  int64_t checksum = 0;
  bool ran = false;
};

bool call(Build& b, int32_t n, int64_t& out, std::string& error) {
  if (b.native) {
    NativeFn volatile fn = b.native;  // nothing about the callee is known here
    out = fn(n);
    return true;
  }
  const eng::abi::RawValue arg = eng::raw_i32(n);
  absl::StatusOr<eng::Outcome> r = eng::call_export(*b.store, *b.instance, "run", {&arg, 1});
  if (!r.ok()) {
    error = std::string(r.status().message());
    return false;
  }
  if (!r->returned() || r->results.size() != 1) {
    error = r->trapped() ? r->trap.to_string() : "run did not return one value";
    return false;
  }
  out = eng::raw_as_i64(r->results[0]);
  return true;
}

// Loads DIR/ws_simd_<kernel>_<flavour>.wasm into `store`; false (reported) on failure.
bool load_wasm(const eng::Engine& engine, const std::string& dir, const std::string& kernel,
               const char* flavour, eng::Store& store, Build& b) {
  std::string path = dir + "/ws_simd_" + kernel + "_" + flavour + ".wasm";
  absl::StatusOr<std::vector<uint8_t>> bytes = ws::support::read_file(path);
  if (!bytes.ok()) {
    std::fprintf(stderr, "ws_simd_bench: %s\n", std::string(bytes.status().message()).c_str());
    return false;
  }
  auto cm = engine.load(*std::move(bytes));
  if (!cm.ok()) {
    std::fprintf(stderr, "ws_simd_bench: %s: %s\n", path.c_str(),
                 std::string(cm.status().message()).c_str());
    return false;
  }
  auto inst = eng::instantiate(store, **cm, eng::Linker());
  if (!inst.ok()) {
    std::fprintf(stderr, "ws_simd_bench: %s: %s\n", path.c_str(),
                 std::string(inst.status().message()).c_str());
    return false;
  }
  b.store = &store;
  b.instance = *inst;
  return true;
}

struct Row {
  std::string kernel;
  int32_t n;
  std::vector<Build> builds;  // sse42, avx2 (may be absent), wasm scalar, wasm simd128
};

// Runs one kernel's builds in turns; false when a call failed or checksums disagree.
bool run_kernel(const eng::Engine& engine, const std::string& dir, int runs, const SimdKernel& k,
                int32_t n, Row& row) {
  row.kernel = k.name;
  row.n = n;
  eng::Store scalar_store, simd_store;
  row.builds.push_back({"native SSE4.2", k.sse42});
  if (__builtin_cpu_supports("avx2")) row.builds.push_back({"native AVX2", k.avx2});
  Build scalar{"wasm scalar"}, simd{"wasm simd128"};
  if (!load_wasm(engine, dir, k.name, "scalar", scalar_store, scalar) ||
      !load_wasm(engine, dir, k.name, "simd128", simd_store, simd)) {
    return false;
  }
  row.builds.push_back(scalar);
  row.builds.push_back(simd);
  bool ok = true;
  for (int round = -1; round < runs; ++round) {  // round -1: the untimed warm-up
    for (Build& b : row.builds) {
      int64_t sum = 0;
      std::string error;
      Clock::time_point t0 = Clock::now();
      if (!call(b, n, sum, error)) {
        std::fprintf(stderr, "ws_simd_bench: %s, %s: %s\n", k.name, b.label.c_str(), error.c_str());
        return false;
      }
      double s = std::chrono::duration<double>(Clock::now() - t0).count();
      if (round < 0) {
        b.checksum = sum;
        continue;
      }
      if (sum != b.checksum) ok = false;
      if (!b.ran || s < b.best) b.best = s;
      b.ran = true;
    }
  }
  for (const Build& b : row.builds) {
    if (b.checksum != row.builds[0].checksum) {
      std::fprintf(stderr, "ws_simd_bench: %s: checksum %" PRId64 " (%s) != %" PRId64 " (%s)\n",
                   k.name, b.checksum, b.label.c_str(), row.builds[0].checksum,
                   row.builds[0].label.c_str());
      ok = false;
    }
  }
  return ok;
}

const Build* find(const Row& r, const std::string& label) {
  for (const Build& b : r.builds) {
    if (b.label == label) return &b;
  }
  return nullptr;
}

std::string ratio(const Build* a, const Build* b) {
  if (!a || !b || b->best <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", a->best / b->best);
  return buf;
}

std::string secs(const Build* b) {
  if (!b) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", b->best);
  return buf;
}

void print_table(const std::vector<Row>& rows) {
  std::printf(
      "| kernel | n | native SSE4.2 s | native AVX2 s | wasm scalar s | wasm simd128 s | "
      "simd128 / SSE4.2 | simd128 / AVX2 | simd128 / scalar wasm |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    const Build* sse = find(r, "native SSE4.2");
    const Build* avx = find(r, "native AVX2");
    const Build* scalar = find(r, "wasm scalar");
    const Build* simd = find(r, "wasm simd128");
    std::printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", r.kernel.c_str(),
                static_cast<int>(r.n), secs(sse).c_str(), secs(avx).c_str(), secs(scalar).c_str(),
                secs(simd).c_str(), ratio(simd, sse).c_str(), ratio(simd, avx).c_str(),
                ratio(simd, scalar).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string dir = WS_SIMD_MODULE_DIR;
  eng::EngineOptions options;
  std::vector<std::pair<const SimdKernel*, int32_t>> wanted;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--lazy") {
      options.tier = eng::EngineOptions::Tier::kLazy;
    } else {
      size_t colon = a.find(':');
      const SimdKernel* k = nullptr;
      for (const SimdKernel& c : kKernels) {
        if (a.substr(0, colon) == c.name) k = &c;
      }
      if (!k || a[0] == '-') {
        std::fprintf(stderr, "usage: %s [--runs K] [--dir DIR] [--lazy] [KERNEL[:N] ...]\n",
                     argv[0]);
        for (const SimdKernel& c : kKernels) {
          std::fprintf(stderr, "  %-5s n=%-6d %s\n", c.name, static_cast<int>(c.default_n), c.what);
        }
        return 2;
      }
      wanted.emplace_back(k, colon == std::string::npos
                                 ? k->default_n
                                 : static_cast<int32_t>(std::atol(a.c_str() + colon + 1)));
    }
  }
  if (wanted.empty()) {
    for (const SimdKernel& c : kKernels) wanted.emplace_back(&c, c.default_n);
  }
  eng::Engine engine(options);
  std::vector<Row> rows;
  int status = 0;
  for (auto [k, n] : wanted) {
    Row row;
    if (!run_kernel(engine, dir, runs, *k, n, row)) status = 1;
    if (!row.builds.empty()) rows.push_back(std::move(row));
  }
  std::string load1, load5, load15;  // /proc files have no size: read them as streams
  std::ifstream("/proc/loadavg") >> load1 >> load5 >> load15;
  std::printf("SIMD kernels, best of %d calls each after a warm-up (%s tier); load average %s\n\n",
              runs, options.tier == eng::EngineOptions::Tier::kLazy ? "lazy" : "eager",
              (load1 + " " + load5 + " " + load15).c_str());
  print_table(rows);
  return status;
}
