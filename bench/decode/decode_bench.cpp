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
  std::string only;  // "decode" or "validate": time just that step (for profilers)
};

void usage() {
  std::fprintf(stderr,
               "usage: ws_decode_bench [--runs N] [--tsv] [--only decode|validate] FILE\n"
               "  Times decode, validate, decode+validate and read+decode+validate of FILE (best\n"
               "  of N runs, default 5; one thread) and prints MB/s (10^6 bytes) of the whole\n"
               "  file and of the code section.\n"
               "  --tsv prints `step<TAB>seconds<TAB>file bytes<TAB>code bytes` lines instead.\n"
               "  --only repeats one step N times (validate: of a module decoded once), for\n"
               "  profilers.\n");
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      o.runs = std::atoi(argv[++i]);
    } else if (a == "--tsv") {
      o.tsv = true;
    } else if (a == "--only" && i + 1 < argc) {
      o.only = argv[++i];
      if (o.only != "decode" && o.only != "validate") return false;
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

// Each decode gets a fresh copy made before the clock starts (the decoder owns its bytes);
// results are destroyed after the clock stops.
struct Timings {
  double decode = 1e30;
  double validate = 1e30;  // of an already decoded module
  double both = 1e30;
  double load = 1e30;  // read the file (page cache) + decode + validate, like wasm-validate
};

bool report(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "ws_decode_bench: %s failed: %s\n", what,
                 std::string(s.message()).c_str());
  }
  return s.ok();
}

bool time_decode(const std::vector<uint8_t>& bytes, Timings& t,
                 absl::StatusOr<ws::engine::Module>& m) {
  std::vector<uint8_t> copy = bytes;
  Clock::time_point t0 = Clock::now();
  m = ws::engine::decode_module(std::move(copy));
  t.decode = std::min(t.decode, seconds_since(t0));
  return report(m.status(), "decode");
}

bool time_validate(const ws::engine::Module& m, Timings& t) {
  Clock::time_point t0 = Clock::now();
  absl::StatusOr<ws::engine::ModuleInfo> info = ws::engine::validate_module(m);
  t.validate = std::min(t.validate, seconds_since(t0));
  return report(info.status(), "validation");
}

// decode+validate as one step, the way the engine loads a module: bodies are decoded once, by
// the validator (BodyCheck::kDeferred).
bool time_both(const std::vector<uint8_t>& bytes, Timings& t) {
  std::vector<uint8_t> copy = bytes;
  absl::StatusOr<ws::engine::ModuleInfo> info;
  Clock::time_point t0 = Clock::now();
  absl::StatusOr<ws::engine::Module> m = ws::engine::decode_module(
      std::move(copy), ws::engine::Features{}, ws::engine::BodyCheck::kDeferred);
  if (m.ok()) info = ws::engine::validate_module(*m);
  t.both = std::min(t.both, seconds_since(t0));
  return report(m.status(), "decode") && report(info.status(), "validation");
}

bool time_load(const std::string& path, Timings& t) {
  absl::StatusOr<ws::engine::Module> m;
  absl::StatusOr<ws::engine::ModuleInfo> info;
  Clock::time_point t0 = Clock::now();
  absl::StatusOr<std::vector<uint8_t>> bytes = ws::support::read_file(path);
  if (bytes.ok()) {
    m = ws::engine::decode_module(*std::move(bytes), ws::engine::Features{},
                                  ws::engine::BodyCheck::kDeferred);
  }
  if (m.ok()) info = ws::engine::validate_module(*m);
  t.load = std::min(t.load, seconds_since(t0));
  return report(bytes.status(), "read") && report(m.status(), "decode") &&
         report(info.status(), "validation");
}

bool run(const Options& o, const std::vector<uint8_t>& bytes, Timings& t) {
  absl::StatusOr<ws::engine::Module> m;
  if (o.only == "validate") {
    if (!time_decode(bytes, t, m)) return false;
    for (int i = 0; i < o.runs; ++i) {
      if (!time_validate(*m, t)) return false;
    }
    return true;
  }
  for (int i = 0; i < o.runs; ++i) {
    if (!time_decode(bytes, t, m)) return false;
    if (o.only == "decode") continue;
    if (!time_validate(*m, t) || !time_both(bytes, t) || !time_load(o.file, t)) return false;
  }
  return true;
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
  if (!run(o, *bytes, t)) return 1;
  std::vector<std::pair<const char*, double>> rows;
  if (o.only != "validate") rows.emplace_back("decode", t.decode);
  if (o.only != "decode") rows.emplace_back("validate", t.validate);
  if (o.only.empty()) rows.emplace_back("decode+validate", t.both);
  if (o.only.empty()) rows.emplace_back("read+decode+validate", t.load);
  if (o.tsv) {
    for (auto [name, s] : rows) {
      std::printf("%s\t%.6f\t%llu\t%llu\n", name, s, static_cast<unsigned long long>(file),
                  static_cast<unsigned long long>(code));
    }
    return 0;
  }
  std::printf("%s: %.1f MB, code section %.1f MB; best of %d runs, one thread\n", o.file.c_str(),
              file / 1e6, code / 1e6, o.runs);
  std::printf("%-21s %10s %14s %14s\n", "step", "seconds", "MB/s (file)", "MB/s (code)");
  for (auto [name, s] : rows) {
    std::printf("%-21s %10.4f %14.1f %14.1f\n", name, s, mbps(file, s), mbps(code, s));
  }
  return 0;
}
