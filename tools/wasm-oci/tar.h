// Reproducible tar archives in memory (libarchive): fixed mtimes and owners, entries in the
// order given, optional gzip without a timestamp in its header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::tools {

struct TarEntry {
  enum class Kind { kFile, kDirectory, kSymlink };
  std::string path;  // relative, no leading '/', no "." or ".." components
  Kind kind = Kind::kFile;
  std::string data;      // kFile: the contents; kSymlink: the target
  uint32_t mode = 0644;  // permission bits only
  // What read_tar found; write_tar always writes 0 for all three.
  int64_t mtime = 0;
  int64_t uid = 0;
  int64_t gid = 0;
};

// A tar (POSIX pax, restricted: extended headers only for long names) of `entries` in order,
// every entry with mtime 0, uid/gid 0 and no user or group names. `gzip` compresses it with no
// name and no timestamp in the gzip header, so equal entries give equal bytes.
absl::StatusOr<std::string> write_tar(const std::vector<TarEntry>& entries, bool gzip);

// Reads a tar (gzip-compressed or not) back into entries, in archive order (for tests and for
// checking what was written). INVALID_ARGUMENT when it is not a readable archive.
absl::StatusOr<std::vector<TarEntry>> read_tar(const std::string& bytes);

}  // namespace ws::tools
