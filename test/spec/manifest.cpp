// MANIFEST.tsv parsing and the per-file feature set.
#include "test/spec/manifest.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "test/spec/tsv.h"

namespace ws::spec_test {
namespace {

constexpr absl::string_view kHeader =
    "path\tbytes\tsha256\tfeature\twabt_flags\tinterp_passed\tinterp_total";
constexpr size_t kColumns = 7;

absl::Status row_error(int line_no, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("MANIFEST.tsv line ", line_no, ": ", what));
}

absl::StatusOr<ManifestEntry> parse_row(const TsvRow& row) {
  if (row.fields.size() != kColumns) {
    return row_error(row.line_no,
                     absl::StrCat("expected ", kColumns, " columns, got ", row.fields.size()));
  }
  ManifestEntry entry;
  entry.path = row.fields[0];
  const std::string& flags = row.fields[4];
  if (flags == "NONE") {
    entry.convertible = false;
  } else if (flags != "(default)") {
    entry.wabt_flags = absl::StrSplit(flags, ' ', absl::SkipEmpty());
  }
  if (entry.path.empty()) return row_error(row.line_no, "empty path");
  // Files wabt cannot convert have no counts.
  if (!entry.convertible) return entry;
  if (!absl::SimpleAtoi(row.fields[5], &entry.interp_passed) ||
      !absl::SimpleAtoi(row.fields[6], &entry.interp_total) || entry.interp_total < 0) {
    return row_error(row.line_no, absl::StrCat("bad command counts for ", entry.path));
  }
  return entry;
}

}  // namespace

absl::StatusOr<std::vector<ManifestEntry>> parse_manifest(absl::string_view text) {
  std::vector<TsvRow> rows = parse_tsv(text);
  if (rows.empty() || absl::StrJoin(rows.front().fields, "\t") != kHeader) {
    return absl::InvalidArgumentError(
        "MANIFEST.tsv: the first row must be the header (path, bytes, sha256, feature, "
        "wabt_flags, interp_passed, interp_total)");
  }
  std::vector<ManifestEntry> entries;
  for (size_t i = 1; i < rows.size(); ++i) {
    absl::StatusOr<ManifestEntry> entry = parse_row(rows[i]);
    if (!entry.ok()) return entry.status();
    entries.push_back(*std::move(entry));
  }
  return entries;
}

absl::StatusOr<engine::Features> features_for_path(absl::string_view path) {
  engine::Features features = engine::Features::wasm2();
  constexpr absl::string_view kPrefix = "proposals/";
  if (!absl::StartsWith(path, kPrefix)) return features;
  absl::string_view rest = path.substr(kPrefix.size());
  absl::string_view proposal = rest.substr(0, rest.find('/'));
  if (proposal == "tail-call") {
    features.tail_call = true;
  } else if (proposal == "extended-const") {
    features.extended_const = true;
  } else if (proposal == "multi-memory") {
    features.multi_memory = true;
  } else if (proposal == "memory64") {
    // The snapshot forked from the spec before reference types merged (its binary.wast wants
    // call_indirect's table byte to be zero).
    features.memory64 = true;
    features.reference_types = false;
  } else if (proposal == "relaxed-simd") {
    features.relaxed_simd = features.simd = true;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown proposal \"", proposal, "\" for ", path));
  }
  return features;
}

}  // namespace ws::spec_test
