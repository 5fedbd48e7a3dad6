// Tab-separated tables as the runner's inputs use them: MANIFEST.tsv and the in-tree lists.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace ws::spec_test {

struct TsvRow {
  int line_no = 0;  // 1-based line in the input, for error messages
  std::vector<std::string> fields;
};

// Splits `text` into rows of tab-separated fields; blank lines and lines starting with '#' are
// skipped. A trailing '\r' is dropped.
std::vector<TsvRow> parse_tsv(absl::string_view text);

}  // namespace ws::spec_test
