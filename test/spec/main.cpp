// ws_spec_runner: runs the WebAssembly spec suite (MANIFEST.tsv's .wast files) against the engine.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <future>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "support/file.h"
#include "test/spec/engine_executor.h"
#include "test/spec/file_runner.h"
#include "test/spec/lists.h"
#include "test/spec/manifest.h"
#include "test/spec/report.h"

namespace ws::spec_test {
namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "touched from a signal handler");

struct Options {
  std::string spec_dir = WS_SPEC_DIR_DEFAULT;
  std::string known_failures = WS_SPEC_LISTS_DIR "/known_failures.tsv";
  std::string out_of_scope = WS_SPEC_LISTS_DIR "/out_of_scope.tsv";
  std::string filter;
  bool verbose = false;
  bool help = false;
  int jobs = 2;
  engine::EngineOptions::Tier engine_tier = engine::EngineOptions::Tier::kEager;
  Tier tier = Tier::kJit;
  std::string aot_dir = "/tmp";
};

constexpr const char* kUsage =
    "usage: ws_spec_runner [--spec-dir DIR] [--filter SUBSTR] [--verbose] [--jobs N]\n"
    "                      [--known-failures FILE] [--out-of-scope FILE]\n"
    "                      [--tier eager|lazy|aot] [--aot-dir DIR]\n"
    "  --tier eager (also jit, the default) or lazy: the JIT tiers; --tier aot compiles every\n"
    "  module to an AOT artifact file in --aot-dir (default /tmp), loads it back with\n"
    "  load_artifact and runs the commands on that.\n";

absl::StatusOr<Options> parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--verbose" || arg == "--help") {
      (arg == "--help" ? o.help : o.verbose) = true;
      continue;
    }
    if (i + 1 >= argc) return absl::InvalidArgumentError("unknown or incomplete option " + arg);
    std::string value = argv[++i];
    if (arg == "--spec-dir") {
      o.spec_dir = value;
    } else if (arg == "--filter") {
      o.filter = value;
    } else if (arg == "--known-failures") {
      o.known_failures = value;
    } else if (arg == "--out-of-scope") {
      o.out_of_scope = value;
    } else if (arg == "--tier") {
      if (value != "eager" && value != "jit" && value != "lazy" && value != "aot") {
        return absl::InvalidArgumentError("--tier is eager, lazy or aot, not " + value);
      }
      o.tier = value == "aot" ? Tier::kAot : Tier::kJit;
      o.engine_tier = value == "lazy" ? engine::EngineOptions::Tier::kLazy
                                      : engine::EngineOptions::Tier::kEager;
    } else if (arg == "--aot-dir") {
      o.aot_dir = value;
    } else if (arg == "--jobs") {
      if (!absl::SimpleAtoi(value, &o.jobs) || o.jobs < 1) {
        return absl::InvalidArgumentError("--jobs needs a positive number");
      }
    } else {
      return absl::InvalidArgumentError("unknown option " + arg);
    }
  }
  return o;
}

struct Inputs {
  std::vector<ManifestEntry> manifest;
  std::vector<KnownFailure> known;
  std::vector<OutOfScope> out_of_scope;
};

absl::StatusOr<Inputs> load_inputs(const Options& o) {
  Inputs in;
  absl::StatusOr<std::string> text = support::read_text_file(o.spec_dir + "/MANIFEST.tsv");
  if (!text.ok()) return text.status();
  absl::StatusOr<std::vector<ManifestEntry>> manifest = parse_manifest(*text);
  if (!manifest.ok()) return manifest.status();
  in.manifest = *std::move(manifest);
  if (text = support::read_text_file(o.known_failures); !text.ok()) return text.status();
  absl::StatusOr<std::vector<KnownFailure>> known = parse_known_failures(*text, o.known_failures);
  if (!known.ok()) return known.status();
  in.known = *std::move(known);
  if (text = support::read_text_file(o.out_of_scope); !text.ok()) return text.status();
  absl::StatusOr<std::vector<OutOfScope>> oos = parse_out_of_scope(*text, o.out_of_scope);
  if (!oos.ok()) return oos.status();
  in.out_of_scope = *std::move(oos);
  if (absl::Status s = check_lists(in.manifest, in.known, in.out_of_scope); !s.ok()) return s;
  return in;
}

// Files to run (manifest order) and the out-of-scope files the filter selects.
struct Plan {
  std::vector<FileJob> jobs;
  std::vector<OutOfScope> out_of_scope;
};

Plan make_plan(const Inputs& in, const std::string& filter) {
  Plan plan;
  std::set<std::string> excluded;
  for (const OutOfScope& o : in.out_of_scope) {
    excluded.insert(o.file);
    if (o.file.find(filter) != std::string::npos) plan.out_of_scope.push_back(o);
  }
  for (const ManifestEntry& e : in.manifest) {
    if (excluded.contains(e.path) || e.path.find(filter) == std::string::npos) continue;
    FileJob job{e, {}};
    for (const KnownFailure& k : in.known) {
      if (k.file == e.path) job.known_failures.emplace(k.line, k.reason);
    }
    plan.jobs.push_back(std::move(job));
  }
  return plan;
}

// Runs the jobs on `threads` workers and prints each report, in job order, as soon as it is in.
Totals run_jobs(const std::vector<FileJob>& jobs, const RunContext& ctx, int threads,
                bool verbose) {
  std::vector<std::promise<FileReport>> promises(jobs.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      FileReport report;
      if (g_interrupted.load()) {
        report.path = jobs[i].entry.path;
        report.error = "interrupted";
      } else {
        report = run_file(jobs[i], ctx);
      }
      promises[i].set_value(std::move(report));
    }
  };
  std::vector<std::jthread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(worker);
  Totals totals;
  for (std::promise<FileReport>& p : promises) {
    FileReport report = p.get_future().get();
    std::cout << format_file_line(report) << "\n";
    for (const std::string& line : format_details(report, verbose)) std::cout << line << "\n";
    std::cout.flush();
    totals.add(report);
  }
  return totals;
}

int run(const Options& o) {
  absl::StatusOr<Inputs> inputs = load_inputs(o);
  if (!inputs.ok()) {
    std::cerr << "ws_spec_runner: " << inputs.status().message() << "\n";
    return 2;
  }
  Plan plan = make_plan(*inputs, o.filter);
  engine::EngineOptions engine_options;
  engine_options.tier = o.engine_tier;
  RunContext ctx{o.spec_dir, [engine_options, &o] {
                   return std::make_unique<EngineExecutor>(engine_options, o.tier, o.aot_dir);
                 }};
  Totals totals = run_jobs(plan.jobs, ctx, o.jobs, o.verbose);
  for (const OutOfScope& oos : plan.out_of_scope) {
    std::cout << oos.file << ": out of scope (" << oos.reason << "; brought in by " << oos.issue
              << ")\n";
  }
  totals.files_out_of_scope = static_cast<int>(plan.out_of_scope.size());
  std::cout << format_summary(totals) << "\n" << format_total_line(totals.counts) << "\n";
  if (g_interrupted.load()) return 130;
  if (totals.files_run == 0) std::cerr << "ws_spec_runner: no file matches the filter\n";
  return totals.ok() ? 0 : 1;
}

}  // namespace
}  // namespace ws::spec_test

int main(int argc, char** argv) {
  absl::StatusOr<ws::spec_test::Options> options = ws::spec_test::parse_args(argc, argv);
  if (!options.ok()) {
    std::cerr << "ws_spec_runner: " << options.status().message() << "\n" << ws::spec_test::kUsage;
    return 2;
  }
  if (options->help) {
    std::cout << ws::spec_test::kUsage;
    return 0;
  }
  // Let workers finish their current file so its temp dir is removed, then stop.
  auto on_signal = [](int) { ws::spec_test::g_interrupted.store(true); };
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return ws::spec_test::run(*options);
}
