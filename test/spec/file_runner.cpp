// One file's run: wast2json into a temp dir, decode+validate module files, executor for the rest.
#include "test/spec/file_runner.h"

#include <exception>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/decode/decoder.h"
#include "engine/validate/validator.h"
#include "support/file.h"
#include "test/spec/classify.h"
#include "test/spec/convert.h"

namespace ws::spec_test {
namespace {

// The state one file's commands share.
struct ScriptRun {
  std::string dir;  // where wast2json put the module files
  engine::Features features;
  Executor* executor = nullptr;
};

// Decodes and validates `bytes`; fills `loaded` when both succeed.
ModuleCheck check_module(std::vector<uint8_t> bytes, const engine::Features& features,
                         std::optional<LoadedModule>& loaded) {
  ModuleCheck check;
  absl::StatusOr<engine::Module> module = engine::decode_module(std::move(bytes), features);
  if (!module.ok()) {
    check.decoded = module.status();
    return check;
  }
  absl::StatusOr<engine::ModuleInfo> info = engine::validate_module(*module, features);
  if (!info.ok()) {
    check.validated = info.status();
    return check;
  }
  loaded = LoadedModule{*std::move(module), *std::move(info)};
  return check;
}

CommandResult run_module_command(const Command& cmd, ScriptRun& run) {
  if (cmd.text_module) return CommandResult::skipped(SkipReason::kText);
  absl::StatusOr<std::vector<uint8_t>> bytes = support::read_file(run.dir + "/" + cmd.filename);
  if (!bytes.ok()) return CommandResult::failed(absl::StrCat("runner: ", bytes.status().message()));
  std::optional<LoadedModule> loaded;
  ModuleCheck check = check_module(*std::move(bytes), run.features, loaded);
  CommandResult result = judge_module(cmd, check);
  if (!loaded.has_value()) return result;
  switch (cmd.kind) {
    case CommandKind::kModule:
      return with_outcome(std::move(result), run.executor->instantiate(*std::move(loaded), cmd));
    case CommandKind::kAssertUnlinkable:
    case CommandKind::kAssertUninstantiable:
      return with_outcome(std::move(result),
                          run.executor->instantiate_must_fail(*std::move(loaded), cmd));
    default:
      return result;
  }
}

CommandResult run_command(const Command& cmd, ScriptRun& run) {
  if (carries_module(cmd.kind)) return run_module_command(cmd, run);
  return with_outcome(CommandResult::skipped(SkipReason::kExecution), run.executor->perform(cmd));
}

// Runs the converted script; `report.error` is set for problems that stop the file.
void run_script(const FileJob& job, const std::vector<Command>& commands, ScriptRun& run,
                FileReport& report) {
  std::set<int> lines_seen;
  for (const Command& cmd : commands) {
    if (!is_counted(cmd.kind)) {
      Outcome outcome = run.executor->register_module(cmd);
      if (outcome.kind == Outcome::Kind::kFailed) {
        report.error = absl::StrCat("line ", cmd.line, ": register failed: ", outcome.message);
        return;
      }
      continue;
    }
    lines_seen.insert(cmd.line);
    auto listed = job.known_failures.find(cmd.line);
    CommandResult result =
        with_known_failure(run_command(cmd, run), listed != job.known_failures.end());
    if (result.verdict == Verdict::kUnexpectedPass) {
      absl::StrAppend(&result.message, " (", listed->second, ")");
    }
    tally(report, cmd, result);
  }
  for (const auto& [line, reason] : job.known_failures) {
    if (!lines_seen.contains(line)) report.stale_known_failures.push_back(line);
  }
}

absl::Status convert_and_run(const FileJob& job, const RunContext& ctx, FileReport& report) {
  absl::StatusOr<engine::Features> features = features_for_path(job.entry.path);
  if (!features.ok()) return features.status();
  absl::StatusOr<TempDir> tmp = TempDir::create();
  if (!tmp.ok()) return tmp.status();
  absl::StatusOr<std::string> json_path =
      run_wast2json(ctx.spec_dir + "/" + job.entry.path, job.entry.wabt_flags, tmp->path());
  if (!json_path.ok()) return json_path.status();
  absl::StatusOr<std::string> json = support::read_text_file(*json_path);
  if (!json.ok()) return json.status();
  absl::StatusOr<std::vector<Command>> commands = parse_script(*json);
  if (!commands.ok()) return commands.status();
  std::unique_ptr<Executor> executor = ctx.make_executor();
  ScriptRun run{tmp->path(), *features, executor.get()};
  run_script(job, *commands, run, report);
  return absl::OkStatus();
}

}  // namespace

FileReport run_file(const FileJob& job, const RunContext& ctx) {
  FileReport report;
  report.path = job.entry.path;
  report.expected_total = job.entry.interp_total;
  try {
    absl::Status status = convert_and_run(job, ctx, report);
    if (!status.ok()) report.error = std::string(status.message());
  } catch (const std::exception& e) {  // a worker thread must not die of it
    report.error = absl::StrCat("exception: ", e.what());
  }
  return report;
}

}  // namespace ws::spec_test
