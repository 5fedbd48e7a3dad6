// wasmc's command line as plain data, and the pure parser that produces it.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace ws::tools::wasmc {

inline constexpr int kExitFailure = 1;  // failed compile, failed check, or a usage error

struct Options {
  bool help = false;
  bool version = false;
  int opt_level = 2;
  int threads = 0;     // 0: every core
  std::string input;   // the module (compile), or the module to match (check; may be empty)
  std::string output;  // -o
  std::optional<std::string> check;  // --check ARTIFACT
};

// Parses wasmc's arguments (argv without the program name). INVALID_ARGUMENT naming the option
// and the problem.
absl::StatusOr<Options> parse_options(std::span<const std::string> args);

std::string usage_text();
std::string version_text();

}  // namespace ws::tools::wasmc
