// Verdicts for single commands: what decoding and validating a module file must give, and how
// known failures and executor outcomes change a verdict. Pure functions, unit-tested.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "test/spec/command.h"
#include "test/spec/executor.h"

namespace ws::spec_test {

// What decode_module and validate_module said about one module file.
struct ModuleCheck {
  absl::Status decoded;
  absl::Status validated;  // meaningful only when `decoded` is OK
};

enum class Verdict { kPassed, kFailed, kSkipped, kExpectedFailure, kUnexpectedPass };
enum class SkipReason { kNone, kText, kExecution };

struct CommandResult {
  Verdict verdict = Verdict::kSkipped;
  SkipReason skip = SkipReason::kNone;
  std::string message;  // failed (or listed): what happened, our error included
  // assert_malformed / assert_invalid that passed: whether our error contains the expected text.
  std::optional<bool> message_matched;
  std::string our_error;  // the error compared with the expected text

  static CommandResult passed() { return {Verdict::kPassed, SkipReason::kNone, {}, {}, {}}; }
  static CommandResult failed(std::string message) {
    return {Verdict::kFailed, SkipReason::kNone, std::move(message), {}, {}};
  }
  static CommandResult skipped(SkipReason why) { return {Verdict::kSkipped, why, {}, {}, {}}; }
};

// Judges a command that carries a binary module from the module's check alone. Returns
// skipped(kExecution) for assert_unlinkable/assert_uninstantiable whose module is valid: the
// executor decides those.
CommandResult judge_module(const Command& cmd, const ModuleCheck& check);

// Combines a static verdict with the executor's outcome for the same command: unsupported keeps
// the static verdict, a failure fails the command, a pass turns a skip into a pass.
CommandResult with_outcome(CommandResult result, const Outcome& outcome);

// Applies known_failures.tsv: a listed command that fails is an expected failure, one that passes
// is an unexpected pass; skipped commands stay skipped.
CommandResult with_known_failure(CommandResult result, bool listed);

}  // namespace ws::spec_test
