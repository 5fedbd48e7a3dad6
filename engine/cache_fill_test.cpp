// The cache-miss policy: small modules compile their artifact first; larger ones run on the lazy
// tier while one detached background process fills the cache (then the next load is a hit).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/aot.h"
#include "engine/cache_fill.h"
#include "engine/engine.h"
#include "support/artifact_cache.h"
#include "test/fixtures/wat.h"

namespace ws::engine {
namespace {

constexpr char kWat[] = R"((module
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32) (i32.add (call $sq (local.get 0)) (i32.const 42))))
)";

// Many functions with loops: an -O2 artifact compile that takes a while.
std::string big_wat(int functions) {
  std::string wat = "(module (memory 1)\n";
  for (int i = 0; i < functions; ++i) {
    absl::StrAppend(&wat, "(func $g", i, " (param i32) (result i32) (local i32)",
                    " (loop $l (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))",
                    " (i32.store (i32.add (local.get 0) (i32.const ", i * 4,
                    ")) (i32.mul (local.get 1) (i32.const ", i + 3, ")))",
                    " (local.set 0 (i32.sub (local.get 0) (i32.const 1)))",
                    " (br_if $l (i32.gt_s (local.get 0) (i32.const 0)))) (local.get 1))\n");
  }
  wat += R"((func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32) (i32.add (call $sq (local.get 0)) (i32.const 42))))
)";
  return wat;
}

std::string fresh_dir(const std::string& name) {
  std::string dir =
      ::testing::TempDir() + "/engine_fill_test_" + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

// A cached engine whose miss policy treats every module of at least `threshold` code bytes as
// large (0: every module).
Engine engine_for(const std::string& dir, uint64_t threshold,
                  EngineOptions::Miss miss = EngineOptions::Miss::kAuto) {
  EngineOptions o;
  o.cache.enabled = true;
  o.cache.dir = dir;
  o.miss = miss;
  o.eager_miss_max_code_bytes = threshold;
  return Engine(o);
}

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

bool alive(int pid) { return kill(pid, 0) == 0; }

// Waits (generously: the fill runs at idle priority on shared machines) for the fill to end.
void wait_for_exit(int pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(600);
  while (alive(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(alive(pid)) << "the cache fill did not finish within 600 s";
}

TEST(CacheMiss, SmallModuleCompilesItsArtifactFirst) {
  std::string dir = fresh_dir("small");
  auto m = engine_for(dir, 16 << 10).load(ws::testing::wat_to_wasm(kWat));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->tier, EngineOptions::Tier::kEager);
  EXPECT_FALSE((*m)->fill_started);
  EXPECT_FALSE((*m)->artifact_path.empty());
  EXPECT_EQ(artifacts_in(dir), 1u);
  EXPECT_EQ(call_f(**m), 67);
}

TEST(CacheMiss, LargeModuleRunsLazilyThenTheBackgroundFillMakesTheNextLoadAHit) {
  std::string dir = fresh_dir("large");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  Engine engine = engine_for(dir, 0);
  auto cold = engine.load(wasm);
  ASSERT_TRUE(cold.ok()) << cold.status();
  EXPECT_EQ((*cold)->tier, EngineOptions::Tier::kLazy);
  EXPECT_FALSE((*cold)->from_cache);
  EXPECT_TRUE((*cold)->artifact_path.empty());
  ASSERT_TRUE((*cold)->fill_started);
  ASSERT_GT((*cold)->fill_pid, 0);
  EXPECT_EQ(call_f(**cold), 67);

  wait_for_exit((*cold)->fill_pid);
  EXPECT_EQ(artifacts_in(dir), 1u);
  auto warm = engine.load(wasm);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_TRUE((*warm)->from_cache);
  EXPECT_FALSE((*warm)->fill_started);
  EXPECT_EQ((*warm)->tier, EngineOptions::Tier::kEager);
  EXPECT_EQ(call_f(**warm), 67);
}

TEST(CacheMiss, AFillInProgressIsNotStartedAgain) {
  std::string dir = fresh_dir("dedup");
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  ASSERT_EQ(chmod(dir.c_str(), 0700), 0);
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  Engine engine = engine_for(dir, 0);
  // A fill of this key in progress elsewhere: the lock is held.
  std::string digest = aot::make_key(wasm, 2).digest();
  int fd = open(cache_fill_lock_path(dir, digest).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  for (int i = 0; i < 2; ++i) {
    auto m = engine.load(wasm);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ((*m)->tier, EngineOptions::Tier::kLazy);
    EXPECT_FALSE((*m)->fill_started);
    EXPECT_EQ((*m)->fill_pid, 0);
    EXPECT_EQ(call_f(**m), 67);
  }
  close(fd);  // that fill "ended" without storing: the next miss fills
  auto again = engine.load(wasm);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE((*again)->fill_started);
  wait_for_exit((*again)->fill_pid);
  auto warm = engine.load(wasm);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_TRUE((*warm)->from_cache);
}

TEST(CacheMiss, LazyPolicyNeverFills) {
  std::string dir = fresh_dir("lazy");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(kWat);
  auto m = engine_for(dir, 16 << 10, EngineOptions::Miss::kLazy).load(wasm);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->tier, EngineOptions::Tier::kLazy);
  EXPECT_FALSE((*m)->fill_started);
  EXPECT_EQ(call_f(**m), 67);
  EXPECT_EQ(artifacts_in(dir), 0u);
}

// The fill keeps no descriptor of the caller: a pipe the caller (a shell, containerd's stdio
// FIFOs) holds gets its end-of-file when the caller closes it, not when the fill ends, and the
// fill's stdio is /dev/null.
TEST(CacheMiss, TheFillHoldsNoneOfTheCallersDescriptors) {
  std::string dir = fresh_dir("fds");
  int p[2];
  ASSERT_EQ(pipe(p), 0);  // inheritable, as the stdio of a run is
  auto m = engine_for(dir, 0).load(ws::testing::wat_to_wasm(big_wat(400)));
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_TRUE((*m)->fill_started);
  int pid = (*m)->fill_pid;
  std::string fd_dir = absl::StrCat("/proc/", pid, "/fd");
  bool checked = false;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(fd_dir, ec)) {
    int fd = std::stoi(e.path().filename().string());
    std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (ec) continue;  // the fill ended meanwhile
    checked = true;
    if (fd <= 2) {
      EXPECT_EQ(target, "/dev/null") << "fd " << fd;
    } else {
      // fd 3 is the fill lock; compile threads may open nothing of ours either.
      EXPECT_NE(target.find("/.fill-"), std::string::npos) << "fd " << fd << " -> " << target;
    }
  }
  bool fill_was_running = alive(pid);
  close(p[1]);
  pollfd pfd{p[0], POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 0), 1);
  EXPECT_TRUE(pfd.revents & POLLHUP) << "the fill holds the caller's pipe";
  close(p[0]);
  if (!fill_was_running || !checked) {
    std::cerr << "note: the fill ended before its descriptors were checked\n";
  }
  EXPECT_EQ(call_f(**m), 67);
  wait_for_exit(pid);
  EXPECT_EQ(artifacts_in(dir), 1u);
}

// A run as a process: stdout and stderr on a pipe, a miss that starts a fill, an exit code.
// The reader sees exactly the run's output and its end-of-file when the run exits, and the
// run's exit status is its own.
TEST(CacheMiss, ARunsOutputAndExitCodeAreItsOwn) {
  std::string dir = fresh_dir("run");
  std::vector<uint8_t> wasm = ws::testing::wat_to_wasm(big_wat(400));
  int p[2], go[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_EQ(pipe(go), 0);
  pid_t run = fork();
  ASSERT_GE(run, 0);
  if (run == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    close(p[0]);
    close(p[1]);
    close(go[1]);
    auto m = engine_for(dir, 0).load(wasm);
    if (!m.ok() || !(*m)->fill_started) _exit(90);
    std::string line = absl::StrCat((*m)->fill_pid, " ", call_f(**m), "\n");
    (void)!write(1, line.data(), line.size());
    char c;
    (void)!read(go[0], &c, 1);  // the test has stopped the fill: exit now
    _exit(7);
  }
  close(p[1]);
  close(go[0]);
  std::string out;
  char buf[256];
  ssize_t n;
  while (out.find('\n') == std::string::npos && (n = read(p[0], buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  int fill_pid = 0, result = 0;
  ASSERT_EQ(sscanf(out.c_str(), "%d %d", &fill_pid, &result), 2) << out;
  ASSERT_GT(fill_pid, 0);
  // The fill, stopped, cannot end: the run's end-of-file must not depend on it.
  bool stopped = kill(fill_pid, SIGSTOP) == 0;
  close(go[1]);
  pollfd pfd{p[0], POLLIN, 0};
  bool eof = false;
  while (!eof && poll(&pfd, 1, 120000) == 1) {
    n = read(p[0], buf, sizeof buf);
    if (n <= 0) {
      eof = true;
    } else {
      out.append(buf, static_cast<size_t>(n));
    }
  }
  if (stopped) kill(fill_pid, SIGCONT);
  close(p[0]);
  EXPECT_TRUE(eof) << "the run's output had no end-of-file while its fill was stopped";
  int status = 0;
  ASSERT_EQ(waitpid(run, &status, 0), run);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 7);
  EXPECT_EQ(out, absl::StrCat(fill_pid, " 67\n"));
  if (!stopped) std::cerr << "note: the fill ended before it could be stopped\n";
  wait_for_exit(fill_pid);
  EXPECT_EQ(artifacts_in(dir), 1u);
}

}  // namespace
}  // namespace ws::engine
