// Command verdicts from module checks, executor outcomes and the known-failure list.
#include "test/spec/classify.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace ws::spec_test {
namespace {

// Why a module that must be valid is not; empty when it is.
std::string invalid_reason(const ModuleCheck& check) {
  if (!check.decoded.ok()) return absl::StrCat("decode failed: ", check.decoded.message());
  if (!check.validated.ok()) {
    return absl::StrCat("validation failed: ", check.validated.message());
  }
  return {};
}

CommandResult judge_malformed(const Command& cmd, const ModuleCheck& check) {
  if (check.decoded.ok()) {
    return CommandResult::failed(
        check.validated.ok()
            ? std::string("decoded and validated")
            : absl::StrCat("decoded (validation then failed: ", check.validated.message(), ")"));
  }
  CommandResult result = CommandResult::passed();
  result.our_error = std::string(check.decoded.message());
  result.message_matched = result.our_error.find(cmd.text) != std::string::npos;
  return result;
}

CommandResult judge_invalid(const Command& cmd, const ModuleCheck& check) {
  if (!check.decoded.ok()) {
    return CommandResult::failed(
        absl::StrCat("decode failed (a validation error was expected): ", check.decoded.message()));
  }
  if (check.validated.ok()) return CommandResult::failed("validated");
  CommandResult result = CommandResult::passed();
  result.our_error = std::string(check.validated.message());
  result.message_matched = result.our_error.find(cmd.text) != std::string::npos;
  return result;
}

}  // namespace

CommandResult judge_module(const Command& cmd, const ModuleCheck& check) {
  if (cmd.text_module) return CommandResult::skipped(SkipReason::kText);
  switch (cmd.kind) {
    case CommandKind::kAssertMalformed:
      return judge_malformed(cmd, check);
    case CommandKind::kAssertInvalid:
      return judge_invalid(cmd, check);
    case CommandKind::kModule:
    case CommandKind::kAssertUnlinkable:
    case CommandKind::kAssertUninstantiable: {
      std::string reason = invalid_reason(check);
      if (!reason.empty()) return CommandResult::failed(std::move(reason));
      return cmd.kind == CommandKind::kModule ? CommandResult::passed()
                                              : CommandResult::skipped(SkipReason::kExecution);
    }
    default:
      return CommandResult::failed(
          absl::StrCat("runner bug: ", command_name(cmd.kind), " carries no module"));
  }
}

CommandResult with_outcome(CommandResult result, const Outcome& outcome) {
  switch (outcome.kind) {
    case Outcome::Kind::kUnsupported:
      return result;
    case Outcome::Kind::kFailed:
      return CommandResult::failed(outcome.message);
    case Outcome::Kind::kPassed:
      if (result.verdict == Verdict::kSkipped) return CommandResult::passed();
      return result;
  }
  return result;
}

CommandResult with_known_failure(CommandResult result, bool listed) {
  if (!listed) return result;
  if (result.verdict == Verdict::kFailed) {
    result.verdict = Verdict::kExpectedFailure;
  } else if (result.verdict == Verdict::kPassed) {
    result.verdict = Verdict::kUnexpectedPass;
    result.message = "passes, yet known_failures.tsv lists it";
  }
  return result;
}

}  // namespace ws::spec_test
