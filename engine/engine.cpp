// The engine facade: ties the decoder, validator, code generator and runtime together.
#include "engine/engine.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "engine/codegen/codegen.h"
#include "engine/decode/decoder.h"
#include "engine/runtime/intrinsics.h"
#include "support/file.h"

namespace ws::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Fills cm.code from cm.module and cm.info.
absl::Status compile_code(CompiledModule& cm, const EngineOptions& options) {
  CompileOptions opts;
  opts.opt_level = options.opt_level;
  opts.lazy_codegen_level = options.lazy_codegen_level;
  static_assert(kRuntimeIntrinsicCount == kNumIntrinsics);
  const auto& addrs = runtime_intrinsics();
  std::copy(addrs.begin(), addrs.end(), opts.intrinsics.begin());
  auto t0 = Clock::now();
  absl::StatusOr<std::shared_ptr<const CompiledCode>> code =
      options.tier == EngineOptions::Tier::kLazy ? compile_lazy(cm.module, cm.info, opts)
                                                 : compile_jit(*cm.module, cm.info, opts);
  if (!code.ok()) return code.status();
  cm.code = std::move(*code);
  cm.compile_seconds = seconds_since(t0);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load(
    std::vector<uint8_t> bytes) const {
  auto cm = std::make_shared<CompiledModule>();
  auto t0 = Clock::now();
  absl::StatusOr<Module> m =
      decode_module(std::move(bytes), options_.features, BodyCheck::kDeferred);
  if (!m.ok()) return m.status();
  cm->decode_seconds = seconds_since(t0);
  auto t1 = Clock::now();
  absl::StatusOr<ModuleInfo> info = validate_module(*m, options_.features);
  if (!info.ok()) return info.status();
  cm->validate_seconds = seconds_since(t1);
  cm->module = std::make_shared<const Module>(std::move(*m));
  cm->info = std::move(*info);
  absl::Status s = compile_code(*cm, options_);
  if (!s.ok()) return s;
  return std::shared_ptr<const CompiledModule>(std::move(cm));
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::load_file(
    const std::string& path) const {
  absl::StatusOr<std::vector<uint8_t>> bytes = support::read_file(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<std::shared_ptr<const CompiledModule>> out = load(std::move(*bytes));
  if (!out.ok()) {
    return absl::Status(out.status().code(), absl::StrCat(path, ": ", out.status().message()));
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const CompiledModule>> Engine::compile(Module module,
                                                                      ModuleInfo info) const {
  auto cm = std::make_shared<CompiledModule>();
  cm->module = std::make_shared<const Module>(std::move(module));
  cm->info = std::move(info);
  absl::Status s = compile_code(*cm, options_);
  if (!s.ok()) return s;
  return std::shared_ptr<const CompiledModule>(std::move(cm));
}

absl::StatusOr<Instance*> instantiate(Store& store, const CompiledModule& module,
                                      const Linker& linker) {
  absl::StatusOr<std::vector<Extern>> imports = linker.resolve(*module.module);
  if (!imports.ok()) return imports.status();
  return store.instantiate(module.module, module.code, *imports);
}

absl::StatusOr<Outcome> call_export(Store& store, const Instance& instance, std::string_view name,
                                    std::span<const abi::RawValue> args) {
  std::optional<Extern> e = instance.find_export(name);
  if (!e || e->kind != ExternKind::kFunc) {
    return absl::NotFoundError(absl::StrCat("no exported function \"", std::string(name), "\""));
  }
  return store.invoke(e->func, args);
}

absl::StatusOr<Outcome> run_command(Store& store, const Instance& instance) {
  absl::StatusOr<Outcome> out = call_export(store, instance, "_start", {});
  if (out.ok() && out->returned()) {
    out->kind = Outcome::Kind::kExited;
    out->exit_code = 0;
    out->results.clear();
  }
  return out;
}

}  // namespace ws::engine
