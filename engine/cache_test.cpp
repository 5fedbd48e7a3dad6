// Engine::load with the code cache: a miss stores and maps an artifact, a hit maps it without
// compiling, damaged artifacts are replaced, invalid modules never enter the cache, and an
// unusable cache directory costs a warning, not the run.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

}  // namespace
}  // namespace ws::engine
