// Tab-separated table splitting shared by the manifest and list parsers.
#include "test/spec/tsv.h"

#include "absl/strings/str_split.h"

namespace ws::spec_test {

std::vector<TsvRow> parse_tsv(absl::string_view text) {
  std::vector<TsvRow> rows;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    TsvRow row;
    row.line_no = line_no;
    row.fields = absl::StrSplit(line, '\t');
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace ws::spec_test
