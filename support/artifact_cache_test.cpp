// Tests of the artifact cache: layout and modes, LRU marking and eviction, verification,
// leftovers of crashed writers, concurrent writers (threads and processes), unusable dirs.
#include "support/artifact_cache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/file.h"

namespace ws::support {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string fresh_dir(const std::string& name) {
  std::string dir =
      testing::TempDir() + "/artifact_cache_test_" + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

std::vector<uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

// Content that depends only on the digest, so any complete file is recognisable.
std::vector<uint8_t> content_for(const std::string& digest, size_t size) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(digest[i % digest.size()] + i);
  return out;
}

void set_mtime(const std::string& path, int seconds_ago) {
  timespec t[2];
  clock_gettime(CLOCK_REALTIME, &t[0]);
  t[0].tv_sec -= seconds_ago;
  t[1] = t[0];
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), t, 0), 0) << path;
}

std::vector<std::string> digests(const ArtifactCache& c) {
  std::vector<std::string> out;
  for (const CacheEntry& e : c.entries()) out.push_back(e.digest);
  return out;
}

std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (name.starts_with(".tmp-")) out.push_back(name);
  }
  return out;
}

ArtifactCache open_cache(const std::string& dir, uint64_t max_bytes = kDefaultCacheMaxBytes) {
  ArtifactCacheOptions o;
  o.dir = dir;
  o.max_bytes = max_bytes;
  absl::StatusOr<ArtifactCache> c = ArtifactCache::open(o);
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

TEST(ArtifactCache, CreatesAPrivateDirectoryAndPrivateFiles) {
  std::string dir = fresh_dir("modes");
  ArtifactCache c = open_cache(dir);
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  absl::StatusOr<std::string> path = c.insert("abc123", bytes_of("artifact"));
  ASSERT_TRUE(path.ok()) << path.status();
  EXPECT_EQ(*path, dir + "/abc123");
  ASSERT_EQ(stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, geteuid());
  EXPECT_EQ(*read_file(*path), bytes_of("artifact"));
  EXPECT_TRUE(temp_files(dir).empty());
}

TEST(ArtifactCache, LookupFindsOnlyStoredValidDigests) {
  ArtifactCache c = open_cache(fresh_dir("lookup"));
  EXPECT_EQ(c.lookup("abc123"), std::nullopt);
  ASSERT_TRUE(c.insert("abc123", bytes_of("x")).ok());
  EXPECT_EQ(c.lookup("abc123"), c.dir() + "/abc123");
  EXPECT_EQ(c.lookup("../abc123"), std::nullopt);
  EXPECT_EQ(c.lookup("ABC123"), std::nullopt);
  absl::StatusOr<std::string> bad = c.insert("../evil", bytes_of("x"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("../evil"));
}

TEST(ArtifactCache, LookupMarksTheArtifactUsed) {
  ArtifactCache c = open_cache(fresh_dir("touch"));
  absl::StatusOr<std::string> path = c.insert("aa", bytes_of("x"));
  ASSERT_TRUE(path.ok());
  set_mtime(*path, 3600);
  auto before = c.entries().at(0).last_used;
  ASSERT_TRUE(c.lookup("aa").has_value());
  auto after = c.entries().at(0).last_used;
  EXPECT_GT(after - before, std::chrono::minutes(59));
}

TEST(ArtifactCache, EvictsLeastRecentlyUsedFirst) {
  ArtifactCache c = open_cache(fresh_dir("lru"), 2500);
  ASSERT_TRUE(c.insert("aa", std::vector<uint8_t>(1000, 1)).ok());
  ASSERT_TRUE(c.insert("bb", std::vector<uint8_t>(1000, 2)).ok());
  set_mtime(c.dir() + "/aa", 100);
  set_mtime(c.dir() + "/bb", 50);
  EXPECT_THAT(digests(c), ElementsAre("aa", "bb"));
  ASSERT_TRUE(c.lookup("aa").has_value());  // aa is now the most recently used
  EXPECT_THAT(digests(c), ElementsAre("bb", "aa"));
  ASSERT_TRUE(c.insert("cc", std::vector<uint8_t>(1000, 3)).ok());
  EXPECT_THAT(digests(c), ElementsAre("aa", "cc"));  // bb went; 2000 bytes fit
  EXPECT_EQ(c.lookup("bb"), std::nullopt);
}

TEST(ArtifactCache, KeepsTheNewArtifactEvenWhenItAloneIsTooLarge) {
  ArtifactCache c = open_cache(fresh_dir("oversize"), 100);
  ASSERT_TRUE(c.insert("aa", std::vector<uint8_t>(50, 1)).ok());
  ASSERT_TRUE(c.insert("bb", std::vector<uint8_t>(500, 2)).ok());
  EXPECT_THAT(digests(c), ElementsAre("bb"));
}

TEST(ArtifactCache, VerifierSeesTheWrittenFileAndCanRefuseIt) {
  ArtifactCacheOptions o;
  o.dir = fresh_dir("verify");
  std::vector<uint8_t> seen;
  o.verify = [&seen](std::span<const uint8_t> b) {
    seen.assign(b.begin(), b.end());
    if (b.empty() || b[0] != 'W') return absl::InvalidArgumentError("bad magic");
    return absl::OkStatus();
  };
  absl::StatusOr<ArtifactCache> c = ArtifactCache::open(o);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_TRUE(c->insert("aa", bytes_of("WASM-ok")).ok());
  EXPECT_EQ(seen, bytes_of("WASM-ok"));
  absl::StatusOr<std::string> corrupt = c->insert("bb", bytes_of("garbage"));
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(corrupt.status().message(), HasSubstr("bad magic"));
  EXPECT_EQ(c->lookup("bb"), std::nullopt);
  EXPECT_THAT(digests(*c), ElementsAre("aa"));
  EXPECT_TRUE(temp_files(o.dir).empty());
}

TEST(ArtifactCache, LeftoversOfCrashedWritersAreIgnoredAndCleanedWhenOld) {
  ArtifactCache c = open_cache(fresh_dir("crash"));
  // A writer died mid-write: a truncated temporary file, old; another writer is still busy.
  std::string old_tmp = c.dir() + "/.tmp-aa.Ab12Cd";
  std::string busy_tmp = c.dir() + "/.tmp-bb.Xy34Zw";
  std::ofstream(old_tmp) << "trunc";
  std::ofstream(busy_tmp) << "partial";
  set_mtime(old_tmp, 3600);
  EXPECT_EQ(c.lookup("aa"), std::nullopt);
  EXPECT_TRUE(c.entries().empty());
  ASSERT_TRUE(c.insert("cc", bytes_of("x")).ok());
  EXPECT_THAT(temp_files(c.dir()), ElementsAre(".tmp-bb.Xy34Zw"));
  EXPECT_THAT(digests(c), ElementsAre("cc"));
}

TEST(ArtifactCache, ConcurrentThreadsWritingSameAndDifferentKeys) {
  ArtifactCache c = open_cache(fresh_dir("threads"));
  const std::vector<std::string> keys = {"a1", "b2", "c3", "d4"};
  constexpr size_t kSize = 256 * 1024;
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  // A reader that must only ever see complete files.
  std::thread reader([&] {
    while (!done.load()) {
      for (const std::string& k : keys) {
        std::optional<std::string> p = c.lookup(k);
        if (!p) continue;
        absl::StatusOr<std::vector<uint8_t>> b = read_file(*p);
        if (b.ok() && *b != content_for(k, kSize)) failures++;
      }
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 6; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string& k = keys[static_cast<size_t>(t + i) % keys.size()];
        if (!c.insert(k, content_for(k, kSize)).ok()) failures++;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  done = true;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_THAT(digests(c), ::testing::UnorderedElementsAreArray(keys));
  for (const std::string& k : keys) EXPECT_EQ(*read_file(c.dir() + "/" + k), content_for(k, kSize));
  EXPECT_TRUE(temp_files(c.dir()).empty());
}

TEST(ArtifactCache, ConcurrentProcessesWritingSameAndDifferentKeys) {
  std::string dir = fresh_dir("procs");
  ArtifactCache c = open_cache(dir);
  constexpr size_t kSize = 128 * 1024;
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int bad = 0;
      for (int i = 0; i < 10; ++i) {
        std::string shared = "5a";                  // every process writes this one
        std::string own = "b" + std::to_string(p);  // and one of its own
        if (!c.insert(shared, content_for(shared, kSize)).ok()) bad++;
        if (!c.insert(own, content_for(own, kSize)).ok()) bad++;
      }
      _exit(bad == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_THAT(digests(c), ::testing::UnorderedElementsAre("5a", "b0", "b1", "b2", "b3"));
  for (const std::string& k : digests(c)) {
    EXPECT_EQ(*read_file(dir + "/" + k), content_for(k, kSize)) << k;
  }
  EXPECT_TRUE(temp_files(dir).empty());
}

TEST(ArtifactCache, UnusableDirectoriesAreClearErrors) {
  std::string base = fresh_dir("unusable");
  ASSERT_TRUE(std::filesystem::create_directories(base));
  ArtifactCacheOptions o;

  o.dir = base + "/missing/cache";
  absl::StatusOr<ArtifactCache> missing_parent = ArtifactCache::open(o);
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_EQ(missing_parent.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing_parent.status().message(), HasSubstr(o.dir));
  EXPECT_THAT(missing_parent.status().message(), HasSubstr("parent"));

  o.dir = base + "/file";
  std::ofstream(o.dir) << "x";
  absl::StatusOr<ArtifactCache> file = ArtifactCache::open(o);
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(), HasSubstr("not a directory"));

  o.dir = base + "/shared";
  ASSERT_EQ(mkdir(o.dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(o.dir.c_str(), 0777), 0);
  absl::StatusOr<ArtifactCache> shared = ArtifactCache::open(o);
  ASSERT_FALSE(shared.ok());
  EXPECT_THAT(shared.status().message(), HasSubstr("writable by group or others"));

  o.dir = "/proc/self/wasmshim-cache";  // cannot be created, even by root
  EXPECT_FALSE(ArtifactCache::open(o).ok());

  o.dir = "/proc/sys";  // read-only, whatever the user
  EXPECT_FALSE(ArtifactCache::open(o).ok());

  o.dir = base + "/deep/er/cache";
  o.create_parents = true;
  absl::StatusOr<ArtifactCache> deep = ArtifactCache::open(o);
  ASSERT_TRUE(deep.ok()) << deep.status();
  EXPECT_TRUE(deep->insert("aa", bytes_of("x")).ok());
}

TEST(ArtifactCache, DefaultDirectoryFollowsTheEnvironment) {
  unsetenv("WASMSHIM_CACHE_DIR");
  std::string fallback = kDefaultCacheDir;
  if (geteuid() != 0) {
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    fallback = "/xdg/wasmshim";
  }
  EXPECT_EQ(default_cache_dir(), fallback);
  setenv("WASMSHIM_CACHE_DIR", "/tmp/elsewhere", 1);
  EXPECT_EQ(default_cache_dir(), "/tmp/elsewhere");
  setenv("WASMSHIM_CACHE_DIR", "", 1);
  EXPECT_EQ(default_cache_dir(), fallback);
  unsetenv("WASMSHIM_CACHE_DIR");
  unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace ws::support
