// Finding and loading the codegen plugin (plugin.h) on first use; no LLVM here.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/codegen/plugin.h"

namespace ws::engine::codegen_plugin {

// Where the plugin is looked for, in order: $WASMSHIM_CODEGEN alone when it is set; else the
// directory of the running executable, <exe dir>/../lib/wasmshim/, then the build tree's copy
// (its absolute path is fixed at configure time).
std::vector<std::string> search_paths();

// The table of the first candidate that loads and matches this build; loaded once per process
// (later calls return the same table or the same error). FAILED_PRECONDITION naming every path
// tried and why each was refused.
absl::StatusOr<const Table*> load();

// Uncached: the table of the first of `paths` that loads and matches this build, else
// FAILED_PRECONDITION naming every path and why it was refused.
absl::StatusOr<const Table*> load_from(const std::vector<std::string>& paths);

// Checks a table against this build (ABI version, table size, layout, compiler); the reason on
// a mismatch.
absl::Status check_table(const Table& table);

}  // namespace ws::engine::codegen_plugin
