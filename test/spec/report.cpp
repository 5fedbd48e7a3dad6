// Tallying command results and formatting the runner's output lines.
#include "test/spec/report.h"

#include "absl/strings/str_cat.h"

namespace ws::spec_test {
namespace {

Note note_for(const Command& cmd, std::string message) {
  return Note{cmd.line, std::string(command_name(cmd.kind)), cmd.text, std::move(message)};
}

std::string format_note(const std::string& path, const Note& note) {
  std::string out = absl::StrCat(path, ":", note.line, ": ", note.command, ": ", note.message);
  if (!note.expected.empty()) absl::StrAppend(&out, " (expected \"", note.expected, "\")");
  return out;
}

}  // namespace

Counts& Counts::operator+=(const Counts& o) {
  passed += o.passed;
  failed += o.failed;
  skipped_text += o.skipped_text;
  skipped_execution += o.skipped_execution;
  expected_failures += o.expected_failures;
  unexpected_passes += o.unexpected_passes;
  messages_matched += o.messages_matched;
  messages_mismatched += o.messages_mismatched;
  return *this;
}

bool FileReport::ok() const {
  return error.empty() && failures.empty() && unexpected_passes.empty() && !count_mismatch() &&
         stale_known_failures.empty() && counts.skipped_execution == 0;
}

void tally(FileReport& report, const Command& cmd, const CommandResult& result) {
  Counts& c = report.counts;
  switch (result.verdict) {
    case Verdict::kPassed:
      ++c.passed;
      break;
    case Verdict::kUnexpectedPass:
      ++c.passed;
      ++c.unexpected_passes;
      report.unexpected_passes.push_back(note_for(cmd, result.message));
      break;
    case Verdict::kFailed:
      ++c.failed;
      report.failures.push_back(note_for(cmd, result.message));
      break;
    case Verdict::kExpectedFailure:
      ++c.expected_failures;
      report.expected_failures.push_back(note_for(cmd, result.message));
      break;
    case Verdict::kSkipped:
      ++(result.skip == SkipReason::kText ? c.skipped_text : c.skipped_execution);
      break;
  }
  if (result.message_matched.has_value()) {
    if (*result.message_matched) {
      ++c.messages_matched;
    } else {
      ++c.messages_mismatched;
      report.mismatches.push_back(note_for(cmd, result.our_error));
    }
  }
}

std::string format_file_line(const FileReport& r) {
  if (!r.error.empty()) return absl::StrCat(r.path, ": ERROR: ", r.error);
  const Counts& c = r.counts;
  std::string out =
      absl::StrCat(r.path, ": ", c.passed, " passed, ", c.failed, " failed, ", c.skipped(),
                   " skipped (text ", c.skipped_text, ", execution ", c.skipped_execution, ")");
  if (c.expected_failures > 0)
    absl::StrAppend(&out, ", ", c.expected_failures, " expected failures");
  if (c.unexpected_passes > 0)
    absl::StrAppend(&out, ", ", c.unexpected_passes, " UNEXPECTED PASSES");
  if (c.skipped_execution > 0) {
    absl::StrAppend(&out, "; NOT EXECUTED: ", c.skipped_execution,
                    " commands (the engine reported UNIMPLEMENTED)");
  }
  if (r.count_mismatch()) {
    absl::StrAppend(&out, "; COUNT MISMATCH: ", c.total(), " commands, MANIFEST.tsv says ",
                    r.expected_total);
  }
  return out;
}

std::vector<std::string> format_details(const FileReport& r, bool verbose) {
  std::vector<std::string> lines;
  for (const Note& n : r.failures) lines.push_back("  FAIL " + format_note(r.path, n));
  for (const Note& n : r.unexpected_passes) {
    lines.push_back("  UNEXPECTED PASS " + format_note(r.path, n));
  }
  for (int line : r.stale_known_failures) {
    lines.push_back(
        absl::StrCat("  STALE known_failures.tsv entry ", r.path, ":", line, " names no command"));
  }
  if (!verbose) return lines;
  for (const Note& n : r.expected_failures) lines.push_back("  XFAIL " + format_note(r.path, n));
  for (const Note& n : r.mismatches) lines.push_back("  MESSAGE " + format_note(r.path, n));
  return lines;
}

void Totals::add(const FileReport& r) {
  ++files_run;
  counts += r.counts;
  if (!r.ok()) ++files_not_ok;
  if (r.count_mismatch()) ++count_mismatches;
  if (!r.error.empty()) ++errors;
  stale_entries += static_cast<int>(r.stale_known_failures.size());
}

std::string format_summary(const Totals& t) {
  const Counts& c = t.counts;
  return absl::StrCat("summary: files: ", t.files_run, " run (", t.errors, " could not run), ",
                      t.files_out_of_scope, " out of scope; skipped: text ", c.skipped_text,
                      ", execution ", c.skipped_execution, "; messages: ", c.messages_matched,
                      " matched, ", c.messages_mismatched, " mismatched; ", c.expected_failures,
                      " expected failures, ", c.unexpected_passes, " unexpected passes, ",
                      t.count_mismatches, " count mismatches, ", t.stale_entries,
                      " stale list entries");
}

std::string format_total_line(const Counts& c) {
  return absl::StrCat(c.passed, " passed, ", c.failed, " failed, ", c.skipped(), " skipped");
}

}  // namespace ws::spec_test
