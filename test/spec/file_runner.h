// Runs one .wast file: convert it, check each command's module, ask the executor the rest.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "test/spec/executor.h"
#include "test/spec/manifest.h"
#include "test/spec/report.h"

namespace ws::spec_test {

struct FileJob {
  ManifestEntry entry;
  std::map<int, std::string> known_failures;  // command line -> reason, from known_failures.tsv
};

struct RunContext {
  std::string spec_dir;
  std::function<std::unique_ptr<Executor>()> make_executor;  // one executor per file
};

// Runs every command of the file; never throws, errors land in FileReport::error.
FileReport run_file(const FileJob& job, const RunContext& ctx);

}  // namespace ws::spec_test
