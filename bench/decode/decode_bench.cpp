// ws_decode_bench: single-thread decode and decode+validate throughput on one module file.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "engine/decode/decoder.h"
#include "engine/decode/reader.h"
#include "engine/validate/validator.h"
#include "support/file.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string file;
  int runs = 5;
  bool tsv = false;
};

void usage() {
  std::fprintf(stderr,
               "usage: ws_decode_bench [--runs N] [--tsv] FILE\n"
               "  Times decode and decode+validate of FILE (best of N runs, default 5) and prints\n"
               "  MB/s (10^6 bytes) of the whole file and of the code section.\n"
               "  --tsv prints `step<TAB>seconds<TAB>file bytes<TAB>code bytes` lines instead.\n");
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      o.runs = std::atoi(argv[++i]);
    } else if (a == "--tsv") {
      o.tsv = true;
    } else if (!a.empty() && a[0] != '-' && o.file.empty()) {
      o.file = a;
    } else {
      return false;
    }
  }
  return !o.file.empty() && o.runs > 0;
}

// Size of the code section's content, from the section headers alone (0 if there is none).
uint64_t code_section_bytes(const std::vector<uint8_t>& b) {
  if (b.size() < 8) return 0;
  ws::engine::Reader r(b.data() + 8, b.data() + b.size(), 8, true);
  while (!r.at_end()) {
    uint8_t id;
    uint32_t size;
    if (!r.u8(id) || !r.u32(size) || !r.skip(size)) return 0;
    if (id == 10) return size;
  }
  return 0;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Each run decodes a fresh copy, made before the clock starts (the decoder owns its bytes).
struct Timings {
  double decode = 1e30;
  double validate = 1e30;  // of an already decoded module
  double both = 1e30;
};

bool run_once(const std::vector<uint8_t>& bytes, Timings& t) {
  std::vector<uint8_t> copy = bytes;
  Clock::time_point t0 = Clock::now();
  absl::StatusOr<ws::engine::Module> m = ws::engine::decode_module(std::move(copy));
  double d = seconds_since(t0);
  if (!m.ok()) {
    std::fprintf(stderr, "ws_decode_bench: decode failed: %s\n",
                 std::string(m.status().message()).c_str());
    return false;
  }
  t0 = Clock::now();
  absl::StatusOr<ws::engine::ModuleInfo> info = ws::engine::validate_module(*m);
  double v = seconds_since(t0);
  if (!info.ok()) {
    std::fprintf(stderr, "ws_decode_bench: validation failed: %s\n",
                 std::string(info.status().message()).c_str());
    return false;
  }
  t.decode = std::min(t.decode, d);
  t.validate = std::min(t.validate, v);

  // decode+validate as one measured step, the way a caller loads a module.
  copy = bytes;
  t0 = Clock::now();
  absl::StatusOr<ws::engine::Module> m2 = ws::engine::decode_module(std::move(copy));
  bool ok = m2.ok() && ws::engine::validate_module(*m2).ok();
  t.both = std::min(t.both, seconds_since(t0));
  return ok;
}

double mbps(uint64_t bytes, double s) { return s > 0 ? static_cast<double>(bytes) / s / 1e6 : 0; }

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    usage();
    return 2;
  }
  absl::StatusOr<std::vector<uint8_t>> bytes = ws::support::read_file(o.file);
  if (!bytes.ok()) {
    std::fprintf(stderr, "ws_decode_bench: %s\n", std::string(bytes.status().message()).c_str());
    return 1;
  }
  uint64_t file = bytes->size();
  uint64_t code = code_section_bytes(*bytes);
  Timings t;
  for (int i = 0; i < o.runs; ++i) {
    if (!run_once(*bytes, t)) return 1;
  }
  const std::pair<const char*, double> rows[] = {
      {"decode", t.decode}, {"validate", t.validate}, {"decode+validate", t.both}};
  if (o.tsv) {
    for (auto [name, s] : rows) {
      std::printf("%s\t%.6f\t%llu\t%llu\n", name, s, static_cast<unsigned long long>(file),
                  static_cast<unsigned long long>(code));
    }
    return 0;
  }
  std::printf("%s: %.1f MB, code section %.1f MB; best of %d runs, one thread\n", o.file.c_str(),
              file / 1e6, code / 1e6, o.runs);
  std::printf("%-16s %10s %14s %14s\n", "step", "seconds", "MB/s (file)", "MB/s (code)");
  for (auto [name, s] : rows) {
    std::printf("%-16s %10.4f %14.1f %14.1f\n", name, s, mbps(file, s), mbps(code, s));
  }
  return 0;
}
