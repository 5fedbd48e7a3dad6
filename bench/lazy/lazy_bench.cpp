// Cold start, eager vs lazy JIT tier: time to the first instruction of a module's entry, time
// until the entry returns, and how many functions were compiled. Each measurement runs in a
// fresh child process (nothing warm from the previous one); one line per tier.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "engine/wasi/wasi.h"
#include "support/file.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace engine = ws::engine;

struct Args {
  std::string module;
  std::string entry = "_start";
  std::string stdin_path = "/dev/null";
  std::string stdout_path = "/dev/null";
  std::vector<std::string> tiers{"eager", "lazy"};
  bool trap_unknown_imports = false;
  int opt_level = 2;
  int lazy_codegen_level = 0;
  double timeout_s = 0;                     // per measurement; 0 = none
  std::vector<engine::abi::RawValue> args;  // i32 arguments of the entry
};

constexpr const char* kUsage =
    "usage: ws_lazy_bench [--entry NAME] [--arg I32]... [--stdin FILE] [--stdout FILE]\n"
    "                     [--tiers eager,lazy]\n"
    "                     [--opt N] [--lazy-codegen N] [--timeout SECONDS]\n"
    "                     [--trap-unknown-imports] MODULE.wasm\n";

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double cpu_seconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void define_trapping_imports(engine::Store& store, engine::Linker& linker,
                             const engine::Module& module) {
  for (const engine::Import& imp : module.imports) {
    if (imp.kind != engine::ExternKind::kFunc || linker.find(imp.module, imp.name)) continue;
    engine::HostFunction fn;
    fn.type = module.types[imp.func_type];
    fn.name = absl::StrCat(imp.module, ".", imp.name);
    fn.callback = [](engine::Caller&, std::span<const engine::abi::RawValue>,
                     std::span<engine::abi::RawValue>) {
      return absl::UnimplementedError("unknown import called");
    };
    linker.define(imp.module, imp.name, engine::Extern::of(store.create_host_function(fn)));
  }
}

// The index of the function exported as `name`, or -1.
int64_t export_index(const engine::Module& m, const std::string& name) {
  for (const engine::Export& e : m.exports) {
    if (e.kind == engine::ExternKind::kFunc && e.name == name) return e.index;
  }
  return -1;
}

// One cold start in this process; prints one line.
int measure(const Args& a, const std::string& tier) {
  auto t0 = Clock::now();
  absl::StatusOr<std::vector<uint8_t>> bytes = ws::support::read_file(a.module);
  if (!bytes.ok()) {
    std::fprintf(stderr, "%s\n", std::string(bytes.status().message()).c_str());
    return 1;
  }
  double read_s = since(t0);
  engine::EngineOptions options;
  options.opt_level = a.opt_level;
  options.lazy_codegen_level = a.lazy_codegen_level;
  options.tier =
      tier == "lazy" ? engine::EngineOptions::Tier::kLazy : engine::EngineOptions::Tier::kEager;
  auto cm = engine::Engine(options).load(std::move(*bytes));
  if (!cm.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cm.status().message()).c_str());
    return 1;
  }
  const engine::Module& m = *(*cm)->module;
  auto t_inst = Clock::now();
  engine::Store store;
  engine::wasi::WasiConfig config;
  config.args = {a.module};
  config.stdin_fd = open(a.stdin_path.c_str(), O_RDONLY);
  config.stdout_fd = open(a.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  auto wasi = engine::wasi::WasiContext::create(config);
  if (!wasi.ok()) {
    std::fprintf(stderr, "%s\n", std::string(wasi.status().message()).c_str());
    return 1;
  }
  engine::Linker linker;
  (*wasi)->define(store, linker);
  if (a.trap_unknown_imports) define_trapping_imports(store, linker, m);
  auto inst = engine::instantiate(store, **cm, linker);
  if (!inst.ok()) {
    std::fprintf(stderr, "%s\n", std::string(inst.status().message()).c_str());
    return 1;
  }
  double instantiate_s = since(t_inst);
  int64_t entry = export_index(m, a.entry);
  // The entry's first instruction: at once for eager code; for lazy code, when the entry's
  // compiled body is linked (its call-through stub jumps there right after).
  std::atomic<double> first_s{-1};
  std::atomic<bool> done{false};
  const auto& live = (*cm)->code->live_ranges;
  auto t_call = Clock::now();
  std::thread watcher;
  if (live && entry >= 0) {
    watcher = std::thread([&] {
      while (!done.load()) {
        for (const engine::LiveRanges::Entry& e : live->entries()) {
          if (e.func_index == entry) {
            first_s = since(t0);
            return;
          }
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
  } else {
    first_s = since(t0);
  }
  double cpu_main0 = cpu_seconds(RUSAGE_THREAD), cpu_all0 = cpu_seconds(RUSAGE_SELF);
  absl::StatusOr<engine::Outcome> out = engine::call_export(store, **inst, a.entry, a.args);
  double return_s = since(t0), run_s = since(t_call);
  double cpu_main = cpu_seconds(RUSAGE_THREAD) - cpu_main0;
  double cpu_all = cpu_seconds(RUSAGE_SELF) - cpu_all0;
  done = true;
  if (watcher.joinable()) watcher.join();
  std::string how = !out.ok()         ? std::string(out.status().message())
                    : out->returned() ? "returned"
                    : out->exited()   ? absl::StrCat("exit ", out->exit_code)
                                      : absl::StrCat("trap: ", out->trap.message);
  size_t defined = m.functions.size() - m.num_imported_funcs;
  size_t compiled = live ? live->entries().size() : defined;
  std::printf(
      "%-5s  read %.3f  decode %.3f  validate %.3f  compile %.3f  instantiate %.3f  "
      "first-instr %.3f  returned %.3f  (entry call %.3f s: main thread cpu %.3f, other threads "
      "cpu %.3f)  process cpu %.3f  compiled %zu/%zu functions  [%s]\n",
      tier.c_str(), read_s, (*cm)->decode_seconds, (*cm)->validate_seconds, (*cm)->compile_seconds,
      instantiate_s, first_s.load(), return_s, run_s, cpu_main, cpu_all - cpu_main,
      cpu_seconds(RUSAGE_SELF), compiled, defined, how.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--entry") {
      a.entry = value();
    } else if (arg == "--stdout") {
      a.stdout_path = value();
    } else if (arg == "--stdin") {
      a.stdin_path = value();
    } else if (arg == "--tiers") {
      a.tiers.clear();
      std::string v = value();
      for (size_t at = 0; at <= v.size();) {
        size_t comma = v.find(',', at);
        if (comma == std::string::npos) comma = v.size();
        a.tiers.push_back(v.substr(at, comma - at));
        at = comma + 1;
      }
    } else if (arg == "--arg") {
      a.args.push_back(engine::raw_i32(std::atoi(value().c_str())));
    } else if (arg == "--timeout") {
      a.timeout_s = std::atof(value().c_str());
    } else if (arg == "--lazy-codegen") {
      a.lazy_codegen_level = std::atoi(value().c_str());
    } else if (arg == "--opt") {
      a.opt_level = std::atoi(value().c_str());
    } else if (arg == "--trap-unknown-imports") {
      a.trap_unknown_imports = true;
    } else if (!arg.empty() && arg[0] != '-' && a.module.empty()) {
      a.module = arg;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (a.module.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::printf("%s, entry %s, -O%d (seconds from the start of each measurement)\n", a.module.c_str(),
              a.entry.c_str(), a.opt_level);
  std::fflush(stdout);
  int status = 0;
  for (const std::string& tier : a.tiers) {
    std::fflush(stdout);  // the child must not print what the parent buffered
    pid_t pid = fork();
    if (pid == 0) _exit(measure(a, tier));
    int ws = 0;
    auto started = Clock::now();
    while (waitpid(pid, &ws, WNOHANG) == 0) {
      if (a.timeout_s > 0 && since(started) > a.timeout_s) {
        kill(pid, SIGKILL);
        waitpid(pid, &ws, 0);
        std::printf("%-5s  did not finish within %g s\n", tier.c_str(), a.timeout_s);
        ws = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (ws == -1) continue;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
      std::printf("%-5s  failed (status %d)\n", tier.c_str(), ws);
      status = 1;
    }
  }
  return status;
}
