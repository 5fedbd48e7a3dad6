// wasmrun's run: load, link WASI (and trapping stand-ins), instantiate, call, report.
#include "tools/wasmrun/runner.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/engine.h"
#include "tools/wasmrun/listen.h"
#include "tools/wasmrun/values.h"
#include "tools/wasmrun/watchdog.h"

namespace ws::tools {
namespace {

using engine::Outcome;
namespace wasi = engine::wasi;

constexpr uint64_t kPageBytes = 65536;
constexpr double kBlockedGraceSeconds = 1.0;

void report(const std::string& text) {
  std::fflush(stdout);
  std::fprintf(stderr, "wasmrun: %s\n", text.c_str());
}

// Every function import nothing defines becomes a host function that traps when called.
void define_trapping_imports(engine::Store& store, engine::Linker& linker,
                             const engine::Module& module) {
  for (const engine::Import& imp : module.imports) {
    if (imp.kind != engine::ExternKind::kFunc || linker.find(imp.module, imp.name)) continue;
    std::string what = absl::StrCat("unknown import \"", imp.module, "\" \"", imp.name, "\"");
    engine::HostFunction fn;
    fn.type = module.types[imp.func_type];
    fn.name = absl::StrCat(imp.module, ".", imp.name);
    fn.callback = [what](engine::Caller&, std::span<const engine::abi::RawValue>,
                         std::span<engine::abi::RawValue>) {
      return absl::UnimplementedError(absl::StrCat(what, " was called"));
    };
    linker.define(imp.module, imp.name, engine::Extern::of(store.create_host_function(fn)));
  }
}

// Instantiation errors: a trap or exit in the start function is the guest's, the rest are load
// errors.
int instantiate_failed(const RunOptions& options, const absl::Status& status) {
  absl::string_view message = status.message();
  int code = 0;
  if (status.code() == absl::StatusCode::kAborted &&
      absl::ConsumePrefix(&message, "exit with code ") && absl::SimpleAtoi(message, &code)) {
    return code & 0xff;
  }
  if (status.code() == absl::StatusCode::kAborted) {
    report(absl::StrCat(options.module_path, ": trap in the start function: ", status.message()));
    return kExitTrap;
  }
  report(absl::StrCat(options.module_path, ": cannot instantiate: ", status.message()));
  return kExitLoad;
}

// The exit status for how the entry call ended.
int finish(const RunOptions& options, const Outcome& outcome, bool timed_out) {
  if (outcome.exited()) return outcome.exit_code & 0xff;
  if (outcome.returned()) return 0;
  if (timed_out && outcome.trap.code == engine::TrapCode::kInterrupted) {
    report(absl::StrCat(options.module_path, ": timeout after ", *options.timeout_seconds,
                        "s: ", outcome.trap.to_string()));
    return kExitTimeout;
  }
  report(absl::StrCat(options.module_path, ": trap: ", outcome.trap.to_string()));
  return kExitTrap;
}

void print_results(const engine::FuncType& type, const Outcome& outcome) {
  for (uint32_t i = 0; i < type.num_results() && i < outcome.results.size(); ++i) {
    std::printf("%s\n", format_value(type.result(i), outcome.results[i]).c_str());
  }
  std::fflush(stdout);
}

// Runs `_initialize` (reactors) then the --invoke export; returns the exit status.
int invoke(const RunOptions& options, engine::Store& store, engine::Instance& instance,
           const Watchdog* watchdog) {
  std::optional<engine::Extern> fn = instance.find_export(*options.invoke);
  if (!fn || fn->kind != engine::ExternKind::kFunc) {
    report(absl::StrCat(options.module_path, ": no exported function \"", *options.invoke, "\""));
    return kExitUsage;
  }
  absl::StatusOr<std::vector<engine::abi::RawValue>> args =
      parse_invoke_args(*fn->func->type, options.guest_args, *options.invoke);
  if (!args.ok()) {
    report(std::string(args.status().message()));
    return kExitUsage;
  }
  std::optional<engine::Extern> init = instance.find_export("_initialize");
  if (init && init->kind == engine::ExternKind::kFunc && *options.invoke != "_initialize") {
    absl::StatusOr<Outcome> out = store.invoke(init->func, {});
    if (!out.ok()) {
      report(absl::StrCat(options.module_path, ": _initialize: ", out.status().message()));
      return kExitLoad;
    }
    if (!out->returned()) return finish(options, *out, watchdog && watchdog->fired());
  }
  absl::StatusOr<Outcome> out = store.invoke(fn->func, *args);
  if (!out.ok()) {
    report(absl::StrCat(options.module_path, ": ", out.status().message()));
    return kExitUsage;
  }
  if (out->returned()) print_results(*fn->func->type, *out);
  return finish(options, *out, watchdog && watchdog->fired());
}

int run_entry(const RunOptions& options, engine::Store& store, engine::Instance& instance) {
  std::unique_ptr<Watchdog> watchdog;
  if (options.timeout_seconds) {
    std::string blocked =
        absl::StrCat("wasmrun: ", options.module_path, ": timeout after ", *options.timeout_seconds,
                     "s: interrupted (the guest was blocked in a host call)\n");
    watchdog = std::make_unique<Watchdog>(store, *options.timeout_seconds, kBlockedGraceSeconds,
                                          blocked, kExitTimeout);
  }
  if (options.invoke) {
    int status = invoke(options, store, instance, watchdog.get());
    if (watchdog) watchdog->stop();
    return status;
  }
  std::optional<engine::Extern> start = instance.find_export("_start");
  if (!start || start->kind != engine::ExternKind::kFunc) {
    report(absl::StrCat(options.module_path,
                        ": exports no _start function (a reactor? use --invoke FUNC)"));
    return kExitLoad;
  }
  absl::StatusOr<Outcome> out = store.invoke(start->func, {});
  if (watchdog) watchdog->stop();
  if (!out.ok()) {
    report(absl::StrCat(options.module_path, ": _start: ", out.status().message()));
    return kExitLoad;
  }
  return finish(options, *out, watchdog && watchdog->fired());
}

}  // namespace

wasi::WasiConfig wasi_config_for(const RunOptions& options, const std::vector<int>& listen_fds) {
  wasi::WasiConfig config;
  config.args.push_back(options.module_path);
  if (!options.invoke) {
    config.args.insert(config.args.end(), options.guest_args.begin(), options.guest_args.end());
  }
  config.env = options.env;
  for (const DirGrant& d : options.dirs) {
    config.dirs.push_back({d.guest_path, d.host_path, d.read_only, wasi::ResolveMode::kBeneath});
  }
  config.listen_sockets = listen_fds;
  return config;
}

int run_module(const RunOptions& options) {
  std::vector<OwnedFd> listeners;
  std::vector<int> listen_fds;
  for (const ListenAddress& addr : options.listen) {
    absl::StatusOr<OwnedFd> fd = open_listener(addr);
    if (!fd.ok()) {
      report(std::string(fd.status().message()));
      return kExitLoad;
    }
    listen_fds.push_back(fd->get());
    listeners.push_back(std::move(*fd));
  }
  engine::EngineOptions engine_options;
  engine_options.opt_level = options.opt_level;
  engine_options.cache.enabled = !options.no_cache;
  engine_options.tier_up = !options.no_tier_up;
  if (options.tier == "eager") engine_options.miss = engine::EngineOptions::Miss::kEager;
  if (options.tier == "lazy") {
    engine_options.tier = engine::EngineOptions::Tier::kLazy;
    engine_options.miss = engine::EngineOptions::Miss::kLazy;
  }
  if (options.cache_dir) engine_options.cache.dir = *options.cache_dir;
  if (options.cache_max_bytes) engine_options.cache.max_bytes = *options.cache_max_bytes;
  engine::Engine engine(engine_options);
  auto module = engine.load_file(options.module_path);
  if (!module.ok()) {
    report(std::string(module.status().message()));
    return kExitLoad;
  }
  engine::StoreLimits limits;
  if (options.max_memory_bytes) limits.max_memory_pages = *options.max_memory_bytes / kPageBytes;
  engine::Store store(limits);
  auto wasi_ctx = wasi::WasiContext::create(wasi_config_for(options, listen_fds));
  if (!wasi_ctx.ok()) {
    report(std::string(wasi_ctx.status().message()));
    return kExitLoad;
  }
  listeners.clear();  // the context holds its own duplicates
  engine::Linker linker;
  (*wasi_ctx)->define(store, linker);
  if (options.trap_unknown_imports) define_trapping_imports(store, linker, *(*module)->module);
  absl::StatusOr<engine::Instance*> instance = engine::instantiate(store, **module, linker);
  if (!instance.ok()) return instantiate_failed(options, instance.status());
  return run_entry(options, store, **instance);
}

}  // namespace ws::tools
