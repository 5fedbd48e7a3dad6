// The executor that runs spec scripts on the engine: instantiation, register, invoke/get and
// the assertions on results, traps and exhaustion, with the standard `spectest` module.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "test/spec/executor.h"

namespace ws::spec_test {

// The engine tier a script runs on.
enum class Tier {
  kJit,  // Engine::compile (the eager pipeline, loaded in memory)
  kAot,  // compile_artifact -> file in `aot_dir` -> load_artifact (mapped from the file)
};

class EngineExecutor final : public Executor {
 public:
  // `options` for the JIT tier (eager or lazy); the AOT tier compiles at options.opt_level.
  explicit EngineExecutor(engine::EngineOptions options = {}, Tier tier = Tier::kJit,
                          std::string aot_dir = "/tmp");

  Outcome instantiate(LoadedModule module, const Command& cmd) override;
  Outcome instantiate_must_fail(LoadedModule module, const Command& cmd) override;
  Outcome register_module(const Command& cmd) override;
  Outcome perform(const Command& cmd) override;

 private:
  // Compiles; kUnsupported (with the reason) for what the compiler does not do yet.
  absl::StatusOr<std::shared_ptr<const engine::CompiledModule>> compile(LoadedModule module);
  engine::Instance* find_instance(const std::string& name) const;
  Outcome invoke(const nlohmann::json& action, engine::Outcome& out, const engine::FuncType** type);
  Outcome get(const nlohmann::json& action, const nlohmann::json& expected);
  void define_spectest();

  // The AOT round trip of compile(): artifact bytes on disk, loaded back by mapping.
  absl::StatusOr<std::shared_ptr<const engine::CompiledModule>> compile_aot(LoadedModule module);

  Tier tier_;
  std::string aot_dir_;
  engine::Engine engine_;
  std::unique_ptr<engine::Store> store_;
  engine::Linker linker_;
  std::map<std::string, engine::Instance*> named_;
  engine::Instance* current_ = nullptr;
  bool current_unsupported_ = false;  // the current module could not be compiled (SIMD)
};

}  // namespace ws::spec_test
