// The spec suite's MANIFEST.tsv: which files exist, how wabt converts them, how many commands.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/ast/types.h"

namespace ws::spec_test {

// One row of MANIFEST.tsv.
struct ManifestEntry {
  std::string path;                     // relative to the spec dir
  std::vector<std::string> wabt_flags;  // extra wast2json flags; empty for "(default)"
  bool convertible = true;              // false when the flags column says NONE
  int interp_passed = 0;                // commands wabt's interpreter passes
  int interp_total = 0;                 // commands in the file (register not counted)
};

// Parses MANIFEST.tsv (header row first, then one tab-separated row per file).
absl::StatusOr<std::vector<ManifestEntry>> parse_manifest(absl::string_view text);

// The engine features a file runs with: Wasm 2.0, plus its proposal for proposals/<name>/ files.
absl::StatusOr<engine::Features> features_for_path(absl::string_view path);

}  // namespace ws::spec_test
