// Background tier-up: a lazily running module switches to the artifact its background fill
// stores, keeps computing the same results, and traps in the new code are still Wasm traps.
#include "engine/tier_up.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "engine/cache_fill.h"
#include "engine/engine.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

// Function indices: 0 $sq, 1 f, 2 $load, 3 g, 4 h.
constexpr char kWat[] = R"((module
  (memory 1)
  (table funcref (elem $sq))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32) (i32.add (call $sq (local.get 0)) (i32.const 42)))
  (func $load (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "g") (param i32) (result i32) (i32.add (call $load (local.get 0)) (i32.const 1)))
  (func (export "h") (param i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0))))
)";

std::string fresh_dir(const std::string& name) {
  std::string dir =
      ::testing::TempDir() + "/engine_tier_up_test_" + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// Every module is "large" (threshold 0): a miss runs lazily and starts a background fill.
Engine lazy_miss_engine(const std::string& dir, bool tier_up = true) {
  EngineOptions o;
  o.cache.enabled = true;
  o.cache.dir = dir;
  o.miss = EngineOptions::Miss::kAuto;
  o.eager_miss_max_code_bytes = 0;
  o.tier_up = tier_up;
  return Engine(o);
}

Outcome call(Store& store, Instance& inst, const char* name, int32_t arg) {
  abi::RawValue raw = raw_i32(arg);
  absl::StatusOr<Outcome> out = call_export(store, inst, name, {&raw, 1});
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : Outcome{};
}

int32_t result_of(Store& store, Instance& inst, const char* name, int32_t arg) {
  Outcome out = call(store, inst, name, arg);
  EXPECT_TRUE(out.returned()) << name << " did not return: " << out.trap.to_string();
  return out.returned() ? raw_as_i32(out.results[0]) : -1;
}

// Holds the fill lock of `wasm`'s key in `dir` (as a fill in progress elsewhere would) until
// released: a load then starts no fill of its own and its tier-up watches that "fill".
class FillLock {
 public:
  FillLock(const std::string& dir, const std::vector<uint8_t>& wasm) {
    std::filesystem::create_directories(dir);
    aot::Key key = aot::make_key(wasm, 2);
    fd_ = open(cache_fill_lock_path(dir, key.digest()).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    locked_ = fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~FillLock() { release(); }
  bool locked() const { return locked_; }
  void release() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool locked_ = false;
};

TEST(TierUp, ARunningInstanceSwitchesToTheFilledArtifact) {
  std::string dir = fresh_dir("switch");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  // The artifact comes when the test says so: the "fill" is this test (the lock, then an
  // eager load that stores the artifact), so the lazy calls below surely come first.
  FillLock fill(dir, wasm);
  ASSERT_TRUE(fill.locked());
  auto m = lazy_miss_engine(dir).load(wasm);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ((*m)->tier, EngineOptions::Tier::kLazy);
  ASSERT_FALSE((*m)->fill_started);
  ASSERT_NE((*m)->tier_up, nullptr);
  const LiveRanges& ranges = *(*m)->code->live_ranges;

  Store store;
  Linker linker;
  absl::StatusOr<Instance*> inst = instantiate(store, **m, linker);
  ASSERT_TRUE(inst.ok()) << inst.status();
  EXPECT_EQ(result_of(store, **inst, "f", 5), 67);
  ASSERT_EQ(ranges.entries().size(), 2u);  // f and $sq, compiled lazily

  EXPECT_EQ((*m)->tier_up->state(), TierUpStatus::State::kWatching);

  EngineOptions eager;
  eager.cache.enabled = true;
  eager.cache.dir = dir;
  eager.miss = EngineOptions::Miss::kEager;
  auto stored = Engine(eager).load(wasm);
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_FALSE((*stored)->artifact_path.empty());
  ASSERT_EQ((*m)->tier_up->wait(120), TierUpStatus::State::kDone) << (*m)->tier_up->detail();
  // The artifact's five functions joined the live ranges (the code registry knows them).
  ASSERT_EQ(ranges.entries().size(), 7u);

  // g and $load were never called: on the lazy tier their first call would compile them (two
  // more entries); after the switch their stubs lead to the artifact and nothing compiles.
  EXPECT_EQ(result_of(store, **inst, "g", 0), 1);
  EXPECT_EQ(ranges.entries().size(), 7u);
  // A fault in the artifact's code is a Wasm trap, attributed to the function it hit.
  Outcome oob = call(store, **inst, "g", 0x7ffffff0);
  ASSERT_TRUE(oob.trapped());
  EXPECT_EQ(oob.trap.code, TrapCode::kOutOfBoundsMemory);
  ASSERT_FALSE(oob.trap.backtrace.empty());
  EXPECT_EQ(oob.trap.backtrace[0].func_index, 2u);
  // Already compiled functions and the table's reference switch too.
  EXPECT_EQ(result_of(store, **inst, "f", 6), 78);
  EXPECT_EQ(result_of(store, **inst, "h", 7), 49);
  EXPECT_EQ(ranges.entries().size(), 7u);
}

TEST(TierUp, GivesUpWhenNoFillRunsAndNoArtifactCame) {
  std::string dir = fresh_dir("giveup");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  FillLock fill(dir, wasm);  // another "fill" of this key: this load starts none
  ASSERT_TRUE(fill.locked());
  auto m = lazy_miss_engine(dir).load(wasm);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_FALSE((*m)->fill_started);
  ASSERT_NE((*m)->tier_up, nullptr);
  EXPECT_EQ((*m)->tier_up->wait(0.5), TierUpStatus::State::kWatching);
  fill.release();  // that fill "ended" without storing anything
  EXPECT_EQ((*m)->tier_up->wait(60), TierUpStatus::State::kGaveUp);
  EXPECT_NE((*m)->tier_up->detail().find("no fill"), std::string::npos) << (*m)->tier_up->detail();
}

TEST(TierUp, AFillStartedElsewhereIsWaitedForAndSwitchedTo) {
  std::string dir = fresh_dir("elsewhere");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  EngineOptions o;
  o.cache.enabled = true;
  o.cache.dir = dir;
  o.miss = EngineOptions::Miss::kAutoFillElsewhere;
  o.eager_miss_max_code_bytes = 0;
  Engine engine(o);
  auto m = engine.load(wasm);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->tier, EngineOptions::Tier::kLazy);
  EXPECT_TRUE((*m)->fill_wanted);
  EXPECT_FALSE((*m)->fill_started);
  ASSERT_NE((*m)->tier_up, nullptr);
  // No fill runs yet, and none is given up on within the grace period.
  EXPECT_EQ((*m)->tier_up->wait(1.0), TierUpStatus::State::kWatching);

  Store store;
  Linker linker;
  absl::StatusOr<Instance*> inst = instantiate(store, **m, linker);
  ASSERT_TRUE(inst.ok()) << inst.status();
  EXPECT_EQ(result_of(store, **inst, "f", 5), 67);

  absl::StatusOr<int> pid = engine.start_background_fill(wasm);
  ASSERT_TRUE(pid.ok()) << pid.status();
  EXPECT_GT(*pid, 0);
  ASSERT_EQ((*m)->tier_up->wait(600), TierUpStatus::State::kDone) << (*m)->tier_up->detail();
  EXPECT_EQ(result_of(store, **inst, "h", 7), 49);
  EXPECT_EQ((*m)->code->live_ranges->entries().size(), 2u + 5u);
  // The cache has it now: nothing more to fill.
  absl::StatusOr<int> again = engine.start_background_fill(wasm);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 0);
}

TEST(TierUp, OffLeavesTheRunOnTheLazyTier) {
  std::string dir = fresh_dir("off");
  auto m = lazy_miss_engine(dir, false).load(ws::testing::wat_to_wasm(kWat));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->tier, EngineOptions::Tier::kLazy);
  EXPECT_EQ((*m)->tier_up, nullptr);
}

}  // namespace
}  // namespace ws::engine
