// Converting a .wast script with Debian's wast2json into a private temporary directory.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::spec_test {

// A directory made with mkdtemp and removed, with its contents, when the object goes away.
class TempDir {
 public:
  static absl::StatusOr<TempDir> create();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  std::string path_;  // empty once moved from
};

// Runs `wast2json WAST -o OUT_DIR/script.json FLAGS...` (no shell; output captured) and returns
// the JSON's path. The modules land beside it in `out_dir`; `wast` is only read.
absl::StatusOr<std::string> run_wast2json(const std::string& wast,
                                          const std::vector<std::string>& flags,
                                          const std::string& out_dir);

}  // namespace ws::spec_test
