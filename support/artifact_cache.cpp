// The artifact cache directory: lookup with LRU marking, atomic insert, size-bounded eviction.
#include "support/artifact_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ws::support {
namespace {

constexpr char kTempPrefix[] = ".tmp-";
constexpr char kIndexPrefix[] = "id-";

// Debian's abseil has its own string_view type.
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string errno_text(int e) { return std::strerror(e); }

absl::Status unusable(const std::string& dir, std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("cache directory ", dir, ": ", av(why)));
}

std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// Makes `dir` (and its parents when `parents`) with mode 0700 for what it creates.
absl::Status make_dir(const std::string& dir, bool parents) {
  if (mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return absl::OkStatus();
  int e = errno;
  if (e == ENOENT && parents) {
    size_t slash = dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
      if (absl::Status s = make_dir(dir.substr(0, slash), true); !s.ok()) return s;
      if (mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return absl::OkStatus();
      e = errno;
    }
  }
  if (e == ENOENT) return unusable(dir, "its parent directory does not exist");
  return unusable(dir, absl::StrCat("cannot create it: ", errno_text(e)));
}

// Writes all of `bytes` to `fd`.
bool write_all(int fd, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Verifies the file behind `fd` (`size` bytes) as it now is on disk, not the caller's buffer.
absl::Status verify_written(int fd, size_t size,
                            const std::function<absl::Status(std::span<const uint8_t>)>& verify) {
  if (!verify) return absl::OkStatus();
  if (size == 0) return verify({});
  void* p = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return absl::InternalError(absl::StrCat("mmap: ", errno_text(errno)));
  absl::Status s = verify(std::span<const uint8_t>(static_cast<const uint8_t*>(p), size));
  munmap(p, size);
  return s;
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

std::string default_cache_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  if (std::string dir = env("WASMSHIM_CACHE_DIR"); !dir.empty()) return dir;
  if (geteuid() == 0) return kDefaultCacheDir;
  if (std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty() && xdg[0] == '/') {
    return absl::StrCat(xdg, "/wasmshim");
  }
  if (std::string home = env("HOME"); !home.empty() && home[0] == '/') {
    return absl::StrCat(home, "/.cache/wasmshim");
  }
  return kDefaultCacheDir;
}

bool ArtifactCache::valid_digest(std::string_view digest) {
  if (digest.empty() || digest.size() > 128) return false;
  return std::all_of(digest.begin(), digest.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

absl::StatusOr<ArtifactCache> ArtifactCache::open(ArtifactCacheOptions options) {
  std::string& dir = options.dir;
  if (dir.empty()) return unusable("\"\"", "empty path");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (absl::Status s = make_dir(dir, options.create_parents); !s.ok()) return s;
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) return unusable(dir, errno_text(errno));
  if (!S_ISDIR(st.st_mode)) return unusable(dir, "not a directory");
  if (st.st_uid != geteuid()) {
    return unusable(
        dir, absl::StrCat("owned by uid ", st.st_uid, ", not by this user (uid ", geteuid(), ")"));
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return unusable(dir, "writable by group or others (chmod 0700 it)");
  }
  struct statvfs vfs;
  if (access(dir.c_str(), W_OK | X_OK) != 0 ||
      (statvfs(dir.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0)) {
    return unusable(dir, "not writable");
  }
  return ArtifactCache(std::move(options));
}

std::optional<std::string> ArtifactCache::lookup(std::string_view digest) const {
  if (!valid_digest(digest)) return std::nullopt;
  std::string path = absl::StrCat(options_.dir, "/", av(digest));
  struct stat st;
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
    return std::nullopt;
  }
  // Explicitly: atime updates are off or relaxed on most mounts, and LRU order is by mtime.
  const timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  utimensat(AT_FDCWD, path.c_str(), now, AT_SYMLINK_NOFOLLOW);
  return path;
}

absl::StatusOr<std::string> ArtifactCache::insert(std::string_view digest,
                                                  std::span<const uint8_t> bytes) const {
  if (!valid_digest(digest)) {
    return absl::InvalidArgumentError(
        absl::StrCat("artifact cache: \"", av(digest), "\" is not a hex digest"));
  }
  std::string final_path = absl::StrCat(options_.dir, "/", av(digest));
  std::string tmp = absl::StrCat(options_.dir, "/", kTempPrefix, av(digest), ".XXXXXX");
  int fd = mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("artifact cache: cannot create a file in ",
                                            options_.dir, ": ", errno_text(errno)));
  }
  absl::Status s;
  if (!write_all(fd, bytes)) {
    s = absl::InternalError(absl::StrCat("artifact cache: write ", tmp, ": ", errno_text(errno)));
  } else if (::fsync(fd) != 0) {
    s = absl::InternalError(absl::StrCat("artifact cache: fsync ", tmp, ": ", errno_text(errno)));
  } else if (absl::Status v = verify_written(fd, bytes.size(), options_.verify); !v.ok()) {
    s = absl::InvalidArgumentError(
        absl::StrCat("artifact cache: ", tmp, " refused: ", v.message()));
  }
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    s = absl::InternalError(
        absl::StrCat("artifact cache: rename ", tmp, " to ", final_path, ": ", errno_text(errno)));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  fsync_dir(options_.dir);
  if (absl::Status e = evict(digest); !e.ok()) return e;
  return final_path;
}

std::optional<std::string> ArtifactCache::read_index(std::string_view name) const {
  if (!valid_digest(name)) return std::nullopt;
  std::string path = absl::StrCat(options_.dir, "/", kIndexPrefix, av(name));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return std::nullopt;
  struct stat st;
  std::optional<std::string> out;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= 4096) {
    std::string buf(static_cast<size_t>(st.st_size), '\0');
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == static_cast<ssize_t>(buf.size())) out = std::move(buf);
  }
  ::close(fd);
  return out;
}

absl::Status ArtifactCache::write_index(std::string_view name, std::string_view contents) const {
  if (!valid_digest(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("artifact cache: index name \"", av(name), "\" is not a hex digest"));
  }
  std::string final_path = absl::StrCat(options_.dir, "/", kIndexPrefix, av(name));
  std::string tmp = absl::StrCat(options_.dir, "/", kTempPrefix, kIndexPrefix, av(name), ".XXXXXX");
  int fd = mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("artifact cache: cannot create a file in ",
                                            options_.dir, ": ", errno_text(errno)));
  }
  bool ok = write_all(fd, std::span<const uint8_t>(
                              reinterpret_cast<const uint8_t*>(contents.data()), contents.size()));
  ::close(fd);
  // No fsync: an entry lost or emptied by a crash only costs one full hash of the module.
  if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return absl::InternalError(
        absl::StrCat("artifact cache: write ", final_path, ": ", errno_text(err)));
  }
  return absl::OkStatus();
}

std::vector<CacheEntry> ArtifactCache::entries() const {
  std::vector<CacheEntry> out;
  DIR* d = opendir(options_.dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (!valid_digest(e->d_name)) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    out.push_back({e->d_name, static_cast<uint64_t>(st.st_size), to_time_point(st.st_mtim)});
  }
  closedir(d);
  std::sort(out.begin(), out.end(), [](const CacheEntry& a, const CacheEntry& b) {
    return a.last_used != b.last_used ? a.last_used < b.last_used : a.digest < b.digest;
  });
  return out;
}

absl::Status ArtifactCache::evict(std::string_view keep) const {
  DIR* d = opendir(options_.dir.c_str());
  if (d == nullptr) {
    return absl::InternalError(
        absl::StrCat("artifact cache: opendir ", options_.dir, ": ", errno_text(errno)));
  }
  auto stale_before = std::chrono::system_clock::now() - options_.stale_temp_age;
  while (dirent* e = readdir(d)) {
    if (!absl::StartsWith(e->d_name, kTempPrefix)) continue;
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        to_time_point(st.st_mtim) < stale_before) {
      unlinkat(dirfd(d), e->d_name, 0);  // another process may have removed it: no error
    }
  }
  closedir(d);
  std::vector<CacheEntry> all = entries();
  uint64_t total = 0;
  for (const CacheEntry& e : all) total += e.bytes;
  for (const CacheEntry& e : all) {
    if (total <= options_.max_bytes) break;
    if (e.digest == keep) continue;
    std::string path = absl::StrCat(options_.dir, "/", e.digest);
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) total -= e.bytes;
  }
  return absl::OkStatus();
}

}  // namespace ws::support
