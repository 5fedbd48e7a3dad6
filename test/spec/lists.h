// The in-tree lists: known failures (per command) and out-of-scope files, each entry with a reason.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "test/spec/manifest.h"

namespace ws::spec_test {

// known_failures.tsv row: a command (by its script line) expected to fail for `reason`.
struct KnownFailure {
  std::string file;  // path relative to the spec dir, as in MANIFEST.tsv
  int line = 0;      // the command's "line" in wast2json's output
  std::string reason;
};

// out_of_scope.tsv row: a file the runner does not run.
struct OutOfScope {
  std::string file;
  std::string reason;
  std::string issue;  // the issue that brings it in
};

// Parse the lists (tab-separated, '#' comments); `source` names the file in errors.
absl::StatusOr<std::vector<KnownFailure>> parse_known_failures(absl::string_view text,
                                                               absl::string_view source);
absl::StatusOr<std::vector<OutOfScope>> parse_out_of_scope(absl::string_view text,
                                                           absl::string_view source);

// Checks the lists against the manifest: every file wabt cannot convert is out of scope, and
// every entry names a file of the manifest (known failures: one that is run).
absl::Status check_lists(const std::vector<ManifestEntry>& manifest,
                         const std::vector<KnownFailure>& known,
                         const std::vector<OutOfScope>& out_of_scope);

}  // namespace ws::spec_test
