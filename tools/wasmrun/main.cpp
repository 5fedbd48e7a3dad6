// wasmrun: run a WebAssembly module (a WASI command, or one export) from the command line.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/wasmrun/options.h"
#include "tools/wasmrun/runner.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<ws::tools::RunOptions> options = ws::tools::parse_options(args);
  if (!options.ok()) {
    std::fprintf(stderr, "wasmrun: %s\n", std::string(options.status().message()).c_str());
    return ws::tools::kExitUsage;
  }
  if (options->help) {
    std::fputs(ws::tools::usage_text().c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::fputs(ws::tools::version_text().c_str(), stdout);
    return 0;
  }
  return ws::tools::run_module(*options);
}
