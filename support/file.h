// Whole-file reading and writing with errors that name the path.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::support {

absl::StatusOr<std::vector<uint8_t>> read_file(const std::string& path);
absl::StatusOr<std::string> read_text_file(const std::string& path);

// A whole regular file mapped read-only (PROT_READ, MAP_PRIVATE); unmapped by the destructor.
// Empty files have no mapping and empty bytes(). `stat()` is the fstat of the descriptor that
// was mapped (identity of the file the bytes came from).
class MappedFile {
 public:
  // Same errors as read_file: NOT_FOUND, INVALID_ARGUMENT naming the path ("not a regular
  // file: ...", cannot open/stat/map).
  static absl::StatusOr<std::shared_ptr<const MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const struct stat& stat() const { return st_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  struct stat st_ {};
  std::string path_;
};

}  // namespace ws::support
