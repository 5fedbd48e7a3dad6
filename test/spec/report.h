// Per-file and overall results of a spec run, and their text form.
#pragma once

#include <string>
#include <vector>

#include "test/spec/classify.h"
#include "test/spec/command.h"

namespace ws::spec_test {

struct Counts {
  int passed = 0;  // unexpected passes included
  int failed = 0;  // expected failures not included
  int skipped_text = 0;
  int skipped_execution = 0;
  int expected_failures = 0;
  int unexpected_passes = 0;
  int messages_matched = 0;
  int messages_mismatched = 0;

  int skipped() const { return skipped_text + skipped_execution; }
  // Every counted command lands in exactly one of these.
  int total() const { return passed + failed + skipped() + expected_failures; }
  Counts& operator+=(const Counts& other);
};

// A command worth a line in the output.
struct Note {
  int line = 0;
  std::string command;   // e.g. "assert_invalid"
  std::string expected;  // the script's expected message, if any
  std::string message;   // what we got
};

struct FileReport {
  std::string path;
  int expected_total = 0;  // MANIFEST.tsv's interp_total
  Counts counts;
  std::vector<Note> failures;             // failed commands
  std::vector<Note> unexpected_passes;    // listed in known_failures.tsv and passing
  std::vector<Note> expected_failures;    // listed in known_failures.tsv and failing
  std::vector<Note> mismatches;           // passed, but our message lacks the expected text
  std::vector<int> stale_known_failures;  // listed lines that name no counted command
  std::string error;                      // non-empty: the file could not be run

  bool count_mismatch() const { return error.empty() && counts.total() != expected_total; }
  // No failure, unexpected pass, count mismatch, stale list entry, error, or command skipped
  // because the engine could not compile or run it (every instruction compiles: only text
  // modules, which the runner cannot encode, may be skipped).
  bool ok() const;
};

// Counts one command's result into the report.
void tally(FileReport& report, const Command& cmd, const CommandResult& result);

// "file: P passed, F failed, S skipped (text T, execution E)", plus anything that went wrong.
std::string format_file_line(const FileReport& report);

// Indented detail lines under the file line: failures always; mismatches and expected failures
// only when verbose.
std::vector<std::string> format_details(const FileReport& report, bool verbose);

struct Totals {
  Counts counts;
  int files_run = 0;
  int files_out_of_scope = 0;
  int files_not_ok = 0;
  int count_mismatches = 0;
  int errors = 0;  // files that could not be run
  int stale_entries = 0;

  void add(const FileReport& report);
  bool ok() const { return files_not_ok == 0 && files_run > 0; }
};

// The line above the total: files, skip categories, messages, expected/unexpected, mismatches.
std::string format_summary(const Totals& totals);

// The last line of the output, exactly "N passed, N failed, N skipped".
std::string format_total_line(const Counts& counts);

}  // namespace ws::spec_test
