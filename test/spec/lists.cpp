// Parsing and cross-checking of known_failures.tsv and out_of_scope.tsv.
#include "test/spec/lists.h"

#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "test/spec/tsv.h"

namespace ws::spec_test {
namespace {

absl::Status row_error(absl::string_view source, int line_no, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, " line ", line_no, ": ", what));
}

// Checks the column count and that no field is empty.
absl::Status check_row(const TsvRow& row, size_t columns, absl::string_view source) {
  if (row.fields.size() != columns) {
    return row_error(source, row.line_no,
                     absl::StrCat("expected ", columns, " columns, got ", row.fields.size()));
  }
  for (const std::string& field : row.fields) {
    if (field.empty()) return row_error(source, row.line_no, "empty column");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<KnownFailure>> parse_known_failures(absl::string_view text,
                                                               absl::string_view source) {
  std::vector<KnownFailure> out;
  std::set<std::pair<std::string, int>> seen;
  for (const TsvRow& row : parse_tsv(text)) {
    if (absl::Status s = check_row(row, 3, source); !s.ok()) return s;
    KnownFailure entry{row.fields[0], 0, row.fields[2]};
    if (!absl::SimpleAtoi(row.fields[1], &entry.line) || entry.line <= 0) {
      return row_error(source, row.line_no, absl::StrCat("bad line number ", row.fields[1]));
    }
    if (!seen.emplace(entry.file, entry.line).second) {
      return row_error(source, row.line_no,
                       absl::StrCat("duplicate entry ", entry.file, ":", entry.line));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

absl::StatusOr<std::vector<OutOfScope>> parse_out_of_scope(absl::string_view text,
                                                           absl::string_view source) {
  std::vector<OutOfScope> out;
  std::set<std::string> seen;
  for (const TsvRow& row : parse_tsv(text)) {
    if (absl::Status s = check_row(row, 3, source); !s.ok()) return s;
    if (!seen.insert(row.fields[0]).second) {
      return row_error(source, row.line_no, absl::StrCat("duplicate entry ", row.fields[0]));
    }
    out.push_back(OutOfScope{row.fields[0], row.fields[1], row.fields[2]});
  }
  return out;
}

absl::Status check_lists(const std::vector<ManifestEntry>& manifest,
                         const std::vector<KnownFailure>& known,
                         const std::vector<OutOfScope>& out_of_scope) {
  std::set<std::string> files, excluded;
  for (const ManifestEntry& e : manifest) files.insert(e.path);
  std::vector<std::string> problems;
  for (const OutOfScope& o : out_of_scope) {
    excluded.insert(o.file);
    if (!files.contains(o.file)) {
      problems.push_back(absl::StrCat("out_of_scope.tsv names ", o.file, ", not in MANIFEST.tsv"));
    }
  }
  for (const ManifestEntry& e : manifest) {
    if (!e.convertible && !excluded.contains(e.path)) {
      problems.push_back(
          absl::StrCat("wast2json cannot convert ", e.path, " and out_of_scope.tsv omits it"));
    }
  }
  for (const KnownFailure& k : known) {
    if (!files.contains(k.file) || excluded.contains(k.file)) {
      problems.push_back(absl::StrCat("known_failures.tsv names ", k.file, ":", k.line,
                                      ", which is not a file the runner runs"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace ws::spec_test
