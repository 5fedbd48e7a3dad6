// A content-addressed cache directory of compiled artifacts, shared by every process of a user:
// files named by their key digest, written through a temporary file and rename() (readers never
// see a partial file), bounded in total size with least-recently-used eviction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ws::support {

inline constexpr char kDefaultCacheDir[] = "/var/lib/wasmshim/cache";
inline constexpr uint64_t kDefaultCacheMaxBytes = uint64_t{4} << 30;

struct ArtifactCacheOptions {
  std::string dir = kDefaultCacheDir;
  // Total bytes of artifacts kept; eviction after an insert removes the least recently used
  // ones (never the one just inserted) until the rest fit.
  uint64_t max_bytes = kDefaultCacheMaxBytes;
  // Create missing parent directories too (for the default location); otherwise only the
  // cache directory itself is created and a missing parent makes the cache unusable.
  bool create_parents = false;
  // Temporary files older than this are leftovers of a crashed writer, removed on eviction.
  std::chrono::seconds stale_temp_age{600};
  // Checks an artifact's bytes before it enters the cache (e.g. aot::verify_artifact).
  std::function<absl::Status(std::span<const uint8_t>)> verify;
};

struct CacheEntry {
  std::string digest;
  uint64_t bytes = 0;
  std::chrono::system_clock::time_point last_used;  // mtime, refreshed by lookup()
};

class ArtifactCache {
 public:
  // Creates the directory (mode 0700) when missing. FAILED_PRECONDITION naming the directory
  // and the reason when it cannot be used: not a directory, a missing parent, owned by another
  // user or writable by group or others (anyone could plant code), not writable.
  static absl::StatusOr<ArtifactCache> open(ArtifactCacheOptions options);

  const std::string& dir() const { return options_.dir; }

  // The path of the artifact named `digest`, or nullopt when there is none (or the digest is not
  // lowercase hex). Marks it used: its mtime becomes now, the LRU order.
  std::optional<std::string> lookup(std::string_view digest) const;

  // Stores `bytes` as `digest`: writes a temporary file (0600) in the directory, fsyncs it,
  // verifies what was written (options.verify), then renames it into place, so concurrent
  // writers of one digest are harmless (the last rename wins) and a crash leaves only a
  // temporary file. Then evicts. Returns the artifact's path. INVALID_ARGUMENT when the verifier
  // refuses the bytes, INTERNAL for I/O errors (naming the file).
  absl::StatusOr<std::string> insert(std::string_view digest, std::span<const uint8_t> bytes) const;

  // Removes stale temporary files, then least recently used artifacts until the total fits
  // max_bytes; `keep` (a digest) is never removed.
  absl::Status evict(std::string_view keep = {}) const;

  // Every artifact in the directory, least recently used first.
  std::vector<CacheEntry> entries() const;

  // Small index entries stored next to the artifacts as files "id-<name>" (name: lowercase
  // hex), written atomically (temporary file and rename), never evicted with the artifacts and
  // not counted in entries(). read_index returns nullopt when the entry is missing, not a
  // regular file or larger than 4 KiB. The engine uses them to map a module file's identity to
  // its key (engine/engine.cpp).
  std::optional<std::string> read_index(std::string_view name) const;
  absl::Status write_index(std::string_view name, std::string_view contents) const;
  // Whether `digest` is a valid artifact name (lowercase hex, 1 to 128 characters).
  static bool valid_digest(std::string_view digest);

 private:
  explicit ArtifactCache(ArtifactCacheOptions options) : options_(std::move(options)) {}
  ArtifactCacheOptions options_;
};

// The cache directory a program uses unless told otherwise: $WASMSHIM_CACHE_DIR when set and
// not empty; else kDefaultCacheDir for root (the shim) and $XDG_CACHE_HOME/wasmshim (or
// $HOME/.cache/wasmshim) for other users, who cannot write /var/lib.
std::string default_cache_dir();

}  // namespace ws::support
