// Engine::load with the code cache: a miss stores and maps an artifact, a hit maps it without
// compiling, damaged artifacts are replaced, invalid modules never enter the cache, and an
// unusable cache directory costs a warning, not the run.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

#include "engine/engine.h"
#include "support/artifact_cache.h"
#include "support/file.h"
#include "support/log.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

using ::testing::HasSubstr;

constexpr char kWat[] = R"((module
  (memory 1)
  (data (i32.const 8) "\2a")
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32)
    (i32.add (call $sq (local.get 0)) (i32.load8_u (i32.const 8))))))";

std::string fresh_dir(const std::string& name) {
  std::string dir =
      ::testing::TempDir() + "/engine_cache_test_" + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

Engine cached_engine(const std::string& dir, int opt_level = 2) {
  EngineOptions o;
  o.opt_level = opt_level;
  o.cache.enabled = true;
  o.cache.dir = dir;
  return Engine(o);
}

// Runs f(5) = 5*5 + 42 on a fresh store.
int32_t call_f(const CompiledModule& m) {
  Store store;
  Linker linker;
  absl::StatusOr<Instance*> inst = instantiate(store, m, linker);
  EXPECT_TRUE(inst.ok()) << inst.status();
  if (!inst.ok()) return -1;
  abi::RawValue arg = raw_i32(5);
  absl::StatusOr<Outcome> out = call_export(store, **inst, "f", {&arg, 1});
  EXPECT_TRUE(out.ok() && out->returned());
  return out.ok() && out->returned() ? raw_as_i32(out->results[0]) : -1;
}

size_t artifacts_in(const std::string& dir) {
  support::ArtifactCacheOptions o;
  o.dir = dir;
  absl::StatusOr<support::ArtifactCache> c = support::ArtifactCache::open(o);
  return c.ok() ? c->entries().size() : 0;
}

TEST(EngineCache, MissStoresThenHitMapsWithoutCompiling) {
  std::string dir = fresh_dir("hit");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  Engine engine = cached_engine(dir);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> cold = engine.load(wasm);
  ASSERT_TRUE(cold.ok()) << cold.status();
  EXPECT_FALSE((*cold)->from_cache);
  ASSERT_FALSE((*cold)->artifact_path.empty());
  EXPECT_EQ((*cold)->artifact_path.rfind(dir + "/", 0), 0u);
  EXPECT_TRUE(std::filesystem::exists((*cold)->artifact_path));
  EXPECT_GT((*cold)->compile_seconds, 0);
  EXPECT_EQ(call_f(**cold), 67);

  absl::StatusOr<std::shared_ptr<const CompiledModule>> warm = engine.load(wasm);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_TRUE((*warm)->from_cache);
  EXPECT_EQ((*warm)->artifact_path, (*cold)->artifact_path);
  EXPECT_EQ((*warm)->compile_seconds, 0);
  EXPECT_EQ((*warm)->validate_seconds, 0);
  EXPECT_EQ(call_f(**warm), 67);
  EXPECT_EQ(artifacts_in(dir), 1u);

  // Another opt level is another key.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> o1 = cached_engine(dir, 1).load(wasm);
  ASSERT_TRUE(o1.ok()) << o1.status();
  EXPECT_FALSE((*o1)->from_cache);
  EXPECT_EQ(call_f(**o1), 67);
  EXPECT_EQ(artifacts_in(dir), 2u);
}

TEST(EngineCache, InvalidModulesFailAndAreNotStored) {
  std::string dir = fresh_dir("invalid");
  std::vector<uint8_t> bad =
      ws::testing::wat_to_wasm(R"((module (func (result i32) (i64.const 1))))", /*validate=*/false);
  Engine engine = cached_engine(dir);
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::shared_ptr<const CompiledModule>> m = engine.load(bad);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(artifacts_in(dir), 0u);
}

TEST(EngineCache, DamagedArtifactIsLoggedRecompiledAndReplaced) {
  std::string dir = fresh_dir("damaged");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  Engine engine = cached_engine(dir);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> cold = engine.load(wasm);
  ASSERT_TRUE(cold.ok()) << cold.status();
  std::string path = (*cold)->artifact_path;
  cold->reset();
  std::filesystem::resize_file(path, 100);  // truncated, as after a disk problem

  std::string log = ::testing::TempDir() + "/engine_cache_test_log_" + std::to_string(getpid());
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  support::set_log_sink(fd, support::LogLevel::kInfo);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> again = engine.load(wasm);
  support::set_log_sink(2, support::LogLevel::kInfo);
  ::close(fd);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE((*again)->from_cache);
  EXPECT_EQ(call_f(**again), 67);
  std::string logged = *support::read_text_file(log);
  EXPECT_THAT(logged, HasSubstr(path));
  EXPECT_THAT(logged, HasSubstr("compiling the module again"));
  EXPECT_GT(std::filesystem::file_size(path), 100u);  // replaced by a whole artifact
  absl::StatusOr<std::shared_ptr<const CompiledModule>> warm = engine.load(wasm);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_TRUE((*warm)->from_cache);
  EXPECT_EQ(call_f(**warm), 67);
}

TEST(EngineCache, UnusableDirectoryWarnsAndCompilesInMemory) {
  std::string file = fresh_dir("notadir");
  std::ofstream(file) << "x";
  std::string log = ::testing::TempDir() + "/engine_cache_test_log2_" + std::to_string(getpid());
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  support::set_log_sink(fd, support::LogLevel::kInfo);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> m =
      cached_engine(file).load(ws::testing::wat_to_wasm(kWat));
  support::set_log_sink(2, support::LogLevel::kInfo);
  ::close(fd);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE((*m)->from_cache);
  EXPECT_TRUE((*m)->artifact_path.empty());
  EXPECT_EQ(call_f(**m), 67);
  std::string logged = *support::read_text_file(log);
  EXPECT_THAT(logged, HasSubstr("level=warning"));
  EXPECT_THAT(logged, HasSubstr(file + ": not a directory"));
}

// --- load_file: the module file mapped, and the cache's identity index ---

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// kWat with the data byte 0x2b instead of 0x2a: same size, f(5) = 68.
std::vector<uint8_t> other_module() {
  std::string wat = kWat;
  wat.replace(wat.find("\\2a"), 3, "\\2b");
  return ws::testing::wat_to_wasm(wat);
}

Engine indexed_engine(const std::string& dir) {
  EngineOptions o;
  o.cache.enabled = true;
  o.cache.dir = dir;
  o.cache.identity_min_age_ms = 0;  // the test's files are brand new
  return Engine(o);
}

std::vector<std::string> index_entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("id-", 0) == 0) out.push_back(e.path().string());
  }
  return out;
}

TEST(EngineLoadFile, MappedFileGivesTheSameModuleAsTheVector) {
  std::string dir = fresh_dir("mapped");
  std::filesystem::create_directories(dir);
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  std::string path = dir + "/m.wasm";
  write_bytes(path, wasm);
  Engine engine;
  absl::StatusOr<std::shared_ptr<const CompiledModule>> mapped = engine.load_file(path);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> copied = engine.load(wasm);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  ASSERT_TRUE(copied.ok()) << copied.status();
  const Module& a = *(*mapped)->module;
  const Module& b = *(*copied)->module;
  EXPECT_NE(a.bytes.data(), b.bytes.data());
  EXPECT_TRUE(std::equal(a.bytes.begin(), a.bytes.end(), b.bytes.begin(), b.bytes.end()));
  EXPECT_EQ(a.functions, b.functions);
  EXPECT_EQ(a.codes.size(), b.codes.size());
  EXPECT_EQ(a.datas.size(), b.datas.size());
  EXPECT_EQ(a.exports.size(), b.exports.size());
  EXPECT_EQ(call_f(**mapped), 67);
  // Copies of the module share the mapping.
  Module copy = a;
  EXPECT_EQ(copy.bytes.data(), a.bytes.data());
}

TEST(EngineLoadFile, NotRegularAndEmptyFilesKeepTheirErrors) {
  std::string dir = fresh_dir("badfiles");
  std::filesystem::create_directories(dir);
  Engine engine;
  absl::StatusOr<std::shared_ptr<const CompiledModule>> d = engine.load_file(dir);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("not a regular file: " + dir));
  write_bytes(dir + "/empty.wasm", {});
  absl::StatusOr<std::shared_ptr<const CompiledModule>> e = engine.load_file(dir + "/empty.wasm");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> v = engine.load({});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(e.status().message(), absl::StrCat(dir, "/empty.wasm: ", v.status().message()));
  EXPECT_EQ(engine.load_file(dir + "/missing.wasm").status().code(), absl::StatusCode::kNotFound);
}

TEST(EngineLoadFile, SecondLoadTakesTheKeyFromTheIdentityIndex) {
  std::string dir = fresh_dir("index");
  std::string path = fresh_dir("index_module.wasm");
  write_bytes(path, ws::testing::wat_to_wasm(kWat));
  Engine engine = indexed_engine(dir);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> cold = engine.load_file(path);
  ASSERT_TRUE(cold.ok()) << cold.status();
  EXPECT_FALSE((*cold)->from_cache);
  EXPECT_FALSE((*cold)->key_from_index);
  EXPECT_EQ(index_entries(dir).size(), 1u);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> warm = engine.load_file(path);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_TRUE((*warm)->from_cache);
  EXPECT_TRUE((*warm)->key_from_index);
  EXPECT_EQ((*warm)->artifact_path, (*cold)->artifact_path);
  EXPECT_EQ(call_f(**warm), 67);
  // load(bytes) has no file identity: it always hashes.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> v =
      engine.load(ws::testing::wat_to_wasm(kWat));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE((*v)->from_cache);
  EXPECT_FALSE((*v)->key_from_index);
}

TEST(EngineLoadFile, ModifiedFileIsHashedAgainEvenWithItsMtimeSetBack) {
  std::string dir = fresh_dir("modified");
  std::string path = fresh_dir("modified_module.wasm");
  write_bytes(path, ws::testing::wat_to_wasm(kWat));
  Engine engine = indexed_engine(dir);
  ASSERT_TRUE(engine.load_file(path).ok());
  absl::StatusOr<std::shared_ptr<const CompiledModule>> warm = engine.load_file(path);
  ASSERT_TRUE(warm.ok() && (*warm)->key_from_index);
  struct stat before {};
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  usleep(50 * 1000);  // past the file system's timestamp granularity
  std::vector<uint8_t> other = other_module();
  ASSERT_EQ(other.size(), static_cast<size_t>(before.st_size));
  write_bytes(path, other);
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  struct stat after {};
  ASSERT_EQ(stat(path.c_str(), &after), 0);
  ASSERT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  ASSERT_EQ(after.st_size, before.st_size);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> changed = engine.load_file(path);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_FALSE((*changed)->key_from_index);
  EXPECT_FALSE((*changed)->from_cache);  // another module: compiled and stored
  EXPECT_EQ(call_f(**changed), 68);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> again = engine.load_file(path);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)->key_from_index);
  EXPECT_EQ(call_f(**again), 68);
}

TEST(EngineLoadFile, CorruptIndexEntryFallsBackToHashing) {
  std::string dir = fresh_dir("corrupt_index");
  std::string path = fresh_dir("corrupt_index_module.wasm");
  write_bytes(path, ws::testing::wat_to_wasm(kWat));
  Engine engine = indexed_engine(dir);
  ASSERT_TRUE(engine.load_file(path).ok());
  std::vector<std::string> entries = index_entries(dir);
  ASSERT_EQ(entries.size(), 1u);
  std::string good;
  {
    std::ifstream in(entries[0]);
    std::getline(in, good);
  }
  for (const std::string& garbage :
       {std::string("not an entry"), std::string(),
        good.substr(0, good.size() - 1) + (good.back() == '0' ? "1" : "0"),
        good.substr(65) + " " + good.substr(0, 64)}) {
    std::ofstream(entries[0], std::ios::trunc) << garbage;
    absl::StatusOr<std::shared_ptr<const CompiledModule>> m = engine.load_file(path);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_FALSE((*m)->key_from_index) << garbage;
    EXPECT_TRUE((*m)->from_cache) << garbage;
    EXPECT_EQ(call_f(**m), 67);
  }
  // The full hash wrote the entry again.
  absl::StatusOr<std::shared_ptr<const CompiledModule>> m = engine.load_file(path);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE((*m)->key_from_index);
}

TEST(EngineLoadFile, ArtifactWhoseKeyDisagreesWithTheIndexIsNotUsed) {
  std::string dir = fresh_dir("index_mismatch");
  std::string path = fresh_dir("index_mismatch_module.wasm");
  write_bytes(path, ws::testing::wat_to_wasm(kWat));
  Engine engine = indexed_engine(dir);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> a = engine.load_file(path);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> b = engine.load(other_module());
  ASSERT_TRUE(a.ok() && b.ok());
  std::string a_path = (*a)->artifact_path;
  std::string b_path = (*b)->artifact_path;
  a = absl::UnknownError("released");
  b = absl::UnknownError("released");
  // A's artifact replaced by B's: a valid artifact recording another module's sha256.
  std::filesystem::copy_file(b_path, a_path, std::filesystem::copy_options::overwrite_existing);
  absl::StatusOr<std::shared_ptr<const CompiledModule>> m = engine.load_file(path);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE((*m)->key_from_index);
  EXPECT_FALSE((*m)->from_cache);  // the full hash agrees with the index: recompiled
  EXPECT_EQ(call_f(**m), 67);
}

}  // namespace
}  // namespace ws::engine
