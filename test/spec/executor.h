// The runner's seam for instantiation and execution; today's executor supports neither.
#pragma once

#include <memory>
#include <string>

#include "engine/ast/module.h"
#include "engine/validate/validator.h"
#include "test/spec/command.h"

namespace ws::spec_test {

// A module that decoded and validated, ready to instantiate.
struct LoadedModule {
  engine::Module module;
  engine::ModuleInfo info;
};

// What an executor made of a request.
struct Outcome {
  enum class Kind { kPassed, kFailed, kUnsupported };
  Kind kind = Kind::kUnsupported;
  std::string message;  // kFailed: what went wrong

  static Outcome passed() { return {Kind::kPassed, {}}; }
  static Outcome failed(std::string message) { return {Kind::kFailed, std::move(message)}; }
  static Outcome unsupported() { return {Kind::kUnsupported, {}}; }
};

// Runs the dynamic part of one script. The runner creates one executor per .wast file and feeds
// it the script's commands in order; module-carrying commands reach it only after their module
// decoded and validated. kUnsupported makes the command "skipped (execution)"; a `module` command
// whose instantiation is unsupported still passes on decoding and validation alone. A module that
// failed to decode or validate never reaches the executor; later commands naming it still do.
class Executor {
 public:
  virtual ~Executor() = default;

  // `module`: instantiates and makes it the current module (and cmd.name's, when set).
  virtual Outcome instantiate(LoadedModule module, const Command& cmd) = 0;
  // assert_unlinkable / assert_uninstantiable: instantiation must fail as cmd.kind says.
  virtual Outcome instantiate_must_fail(LoadedModule module, const Command& cmd) = 0;
  // `register`: makes module cmd.name (or the current one) importable as cmd.as.
  virtual Outcome register_module(const Command& cmd) = 0;
  // action, assert_return, assert_trap, assert_exhaustion.
  virtual Outcome perform(const Command& cmd) = 0;
};

// The executor until the engine can instantiate: every request is unsupported.
class NoExecutor final : public Executor {
 public:
  Outcome instantiate(LoadedModule, const Command&) override { return Outcome::unsupported(); }
  Outcome instantiate_must_fail(LoadedModule, const Command&) override {
    return Outcome::unsupported();
  }
  Outcome register_module(const Command&) override { return Outcome::unsupported(); }
  Outcome perform(const Command&) override { return Outcome::unsupported(); }
};

}  // namespace ws::spec_test
