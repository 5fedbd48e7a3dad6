// Command line, kernel table and JSON-lines output shared by the C++ kernel harnesses.
//
// Every runner (ws_kernels_native, ws_kernels_bench, node_runner.mjs) prints one line per kernel:
//   {"runner":"native","kernel":"fib","n":36,"runs":3,"seconds":0.251234,"checksum":"14930352"}
// seconds is the best of `runs` timed calls after one untimed warm-up call; checksum is the
// int64 the kernel returned, as a decimal string (it does not fit a JSON double). The engine
// harness adds "compile_seconds" and "code_bytes". run.sh reads these lines.
#pragma once

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace ws::bench {

struct KernelInfo {
  const char* name;
  int32_t default_n;
  const char* what;
};

inline constexpr KernelInfo kKernels[] = {
#define WS_KERNEL(name, n, what) {#name, n, what},
#include "kernels.def"
#undef WS_KERNEL
};

struct KernelRequest {
  std::string name;
  int32_t n = 0;
};

struct Options {
  int runs = 3;
  std::string dir;  // directory of ws_kernel_<name>.wasm (wasm runners only)
  std::vector<KernelRequest> kernels;
};

inline const KernelInfo* find_kernel(const std::string& name) {
  for (const KernelInfo& k : kKernels) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

inline void usage(const char* prog, bool wants_dir) {
  std::fprintf(stderr, "usage: %s [--runs K]%s [KERNEL[:N] ...]\n", prog,
               wants_dir ? " --dir DIR" : "");
  std::fprintf(stderr,
               "  Runs each kernel once untimed, then K times (default 3), and prints one JSON\n"
               "  line per kernel with the best time. Without KERNEL arguments runs them all:\n");
  for (const KernelInfo& k : kKernels) {
    std::fprintf(stderr, "    %-8s n=%-8d %s\n", k.name, static_cast<int>(k.default_n), k.what);
  }
}

// Parses argv; prints usage and returns false on a bad command line.
inline bool parse_options(int argc, char** argv, bool wants_dir, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      o.runs = std::atoi(argv[++i]);
    } else if (wants_dir && a == "--dir" && i + 1 < argc) {
      o.dir = argv[++i];
    } else if (!a.empty() && a[0] != '-') {
      KernelRequest r;
      size_t colon = a.find(':');
      r.name = a.substr(0, colon);
      const KernelInfo* k = find_kernel(r.name);
      if (k == nullptr) {
        std::fprintf(stderr, "%s: unknown kernel %s\n", argv[0], r.name.c_str());
        return false;
      }
      r.n = colon == std::string::npos ? k->default_n
                                       : static_cast<int32_t>(std::atol(a.c_str() + colon + 1));
      o.kernels.push_back(r);
    } else {
      usage(argv[0], wants_dir);
      return false;
    }
  }
  if (o.runs < 1 || (wants_dir && o.dir.empty())) {
    usage(argv[0], wants_dir);
    return false;
  }
  if (o.kernels.empty()) {
    for (const KernelInfo& k : kKernels) o.kernels.push_back({k.name, k.default_n});
  }
  return true;
}

struct Timing {
  double best_seconds = 0;
  int64_t checksum = 0;
  bool consistent = true;  // every call returned the warm-up call's checksum
  bool ok = true;          // every call succeeded (false: `error` says why)
  std::string error;
};

// Calls `call(int64_t& checksum, std::string& error) -> bool` once untimed, then `runs` times.
template <typename Call>
Timing time_best_of(int runs, Call&& call) {
  using Clock = std::chrono::steady_clock;
  Timing t;
  if (!call(t.checksum, t.error)) {
    t.ok = false;
    return t;
  }
  for (int i = 0; i < runs; ++i) {
    int64_t checksum = 0;
    auto start = Clock::now();
    bool ok = call(checksum, t.error);
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!ok) {
      t.ok = false;
      return t;
    }
    if (checksum != t.checksum) t.consistent = false;
    if (i == 0 || seconds < t.best_seconds) t.best_seconds = seconds;
  }
  return t;
}

// One JSON line; `extra` is appended verbatim (",\"key\":value" pairs) before the closing brace.
inline void print_result(const char* runner, const KernelRequest& k, int runs, const Timing& t,
                         const std::string& extra = "") {
  std::printf(
      "{\"runner\":\"%s\",\"kernel\":\"%s\",\"n\":%d,\"runs\":%d,\"seconds\":%.6f,"
      "\"checksum\":\"%" PRId64 "\"%s}\n",
      runner, k.name.c_str(), static_cast<int>(k.n), runs, t.best_seconds, t.checksum,
      extra.c_str());
  std::fflush(stdout);
}

}  // namespace ws::bench
