// Real cgroups on this host (v1 or v2, whichever it runs): limits written and read back, a
// process moved in, stats, freeze/thaw, OOM kill seen, removal. Skips without a writable cgroupfs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cgroups/cgroup.h"

namespace ws::cgroups {
namespace {

constexpr const char* kRoot = "/sys/fs/cgroup";

class CgroupRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
    path_ = absl::StrCat("/wasmshim-test-", ::getpid(), "/",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    absl::StatusOr<std::unique_ptr<Cgroup>> cg = Cgroup::create(path_);
    if (!cg.ok()) GTEST_SKIP() << "host cgroups not writable: " << cg.status();
    cg_ = std::move(*cg);
  }
  void TearDown() override {
    for (pid_t p : children_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    if (cg_) {
      EXPECT_TRUE(cg_->remove().ok());
    }
    // The per-test parent directory.
    if (!path_.empty()) {
      std::string parent = path_.substr(0, path_.rfind('/'));
      for (const char* h : {"", "/memory", "/cpu", "/cpuacct", "/cpuset", "/pids", "/freezer",
                            "/blkio", "/devices", "/hugetlb"}) {
        ::rmdir(absl::StrCat(kRoot, h, parent).c_str());
      }
    }
  }
  // A child that sleeps until killed.
  pid_t sleeper() {
    pid_t p = ::fork();
    if (p == 0) {
      for (;;) ::pause();
    }
    children_.push_back(p);
    return p;
  }
  std::string file(const char* v1_controller, const char* name) const {
    if (cg_->version() == Version::kV2) return absl::StrCat(kRoot, path_, "/", name);
    return absl::StrCat(kRoot, "/", v1_controller, path_, "/", name);
  }
  std::string read(const char* v1_controller, const char* name) const {
    absl::StatusOr<std::string> t = read_trimmed(file(v1_controller, name));
    return t.ok() ? *t : std::string("<") + std::string(t.status().message()) + ">";
  }

  std::string path_;
  std::unique_ptr<Cgroup> cg_;
  std::vector<pid_t> children_;
};

// Lines of v1 controller hierarchies in /proc/PID/cgroup that name `path`, and all of them
// (not the named systemd one, nor a hybrid host's unified "0::" line, which v1 leaves alone).
std::pair<int, int> hierarchies_with(pid_t pid, const std::string& path) {
  absl::StatusOr<std::string> text = read_file(absl::StrCat("/proc/", pid, "/cgroup"));
  int with = 0, all = 0;
  for (absl::string_view line : absl::StrSplit(text.ok() ? *text : "", '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3 || f[1].empty() || absl::StartsWith(f[1], "name=")) continue;
    ++all;
    if (f[2] == path) ++with;
  }
  return {with, all};
}

TEST_F(CgroupRoot, ASingleThreadedProcessJoinsByItself) {
  std::vector<std::string> files = cg_->self_join_files();
  if (cg_->version() == Version::kV2) {
    EXPECT_TRUE(files.empty());  // v2 processes are added by add_process
    EXPECT_TRUE(join_self(files).ok());
    return;
  }
  ASSERT_FALSE(files.empty());
  int done[2];
  ASSERT_EQ(::pipe(done), 0);
  pid_t p = ::fork();  // the child has one thread, whatever this process has
  if (p == 0) {
    absl::Status s = join_self(files);
    char c = s.ok() ? 'y' : 'n';
    if (::write(done[1], &c, 1) != 1) _exit(2);
    for (;;) ::pause();
  }
  children_.push_back(p);
  char c = 0;
  ASSERT_EQ(::read(done[0], &c, 1), 1);
  ::close(done[0]);
  ::close(done[1]);
  EXPECT_EQ(c, 'y');
  absl::StatusOr<std::vector<pid_t>> procs = cg_->processes();
  ASSERT_TRUE(procs.ok());
  EXPECT_THAT(*procs, ::testing::ElementsAre(p));
  auto [with, all] = hierarchies_with(p, path_);
  EXPECT_EQ(with, static_cast<int>(files.size()));
  EXPECT_EQ(with, all);  // every controller hierarchy, none forgotten
}

TEST_F(CgroupRoot, AThreadedProcessCannotJoinByItself) {
  std::vector<std::string> files = cg_->self_join_files();
  if (files.empty()) GTEST_SKIP() << "no self-join on cgroup v2";
  std::mutex mu;
  mu.lock();
  std::thread other([&] { std::lock_guard<std::mutex> wait(mu); });
  absl::Status s = join_self(files);
  mu.unlock();
  other.join();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("threads"));
  absl::StatusOr<std::vector<pid_t>> procs = cg_->processes();
  ASSERT_TRUE(procs.ok());
  EXPECT_TRUE(procs->empty());  // nothing of this process moved
}

TEST_F(CgroupRoot, LimitsAreWrittenAndReadBack) {
  absl::StatusOr<Resources> r = parse_resources(
      R"({"memory":{"limit":67108864},"cpu":{"shares":512,"quota":25000,"period":100000},
          "pids":{"limit":32}})");
  ASSERT_TRUE(r.ok());
  std::vector<std::string> notes;
  ASSERT_TRUE(cg_->apply(*r, &notes).ok());
  if (cg_->version() == Version::kV1) {
    EXPECT_EQ(read("memory", "memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(read("cpu", "cpu.cfs_quota_us"), "25000");
    EXPECT_EQ(read("cpu", "cpu.cfs_period_us"), "100000");
    EXPECT_EQ(read("cpu", "cpu.shares"), "512");
  } else {
    EXPECT_EQ(read("", "memory.max"), "67108864");
    EXPECT_EQ(read("", "cpu.max"), "25000 100000");
    EXPECT_EQ(read("", "cpu.weight"), absl::StrCat(shares_to_weight(512)));
  }
  EXPECT_EQ(read("pids", "pids.max"), "32");
  absl::StatusOr<Stats> st = cg_->stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->memory_limit, 67108864u);
  EXPECT_EQ(st->pids_limit, 32u);

  // Update: a new limit replaces the old one.
  r = parse_resources(R"({"memory":{"limit":33554432},"cpu":{"quota":-1}})");
  ASSERT_TRUE(cg_->apply(*r, &notes).ok());
  ASSERT_TRUE((st = cg_->stats()).ok());
  EXPECT_EQ(st->memory_limit, 33554432u);
  if (cg_->version() == Version::kV1) {
    EXPECT_EQ(read("cpu", "cpu.cfs_quota_us"), "-1");
  }
}

TEST_F(CgroupRoot, RejectedValueNamesTheFile) {
  absl::StatusOr<Resources> r = parse_resources(R"({"cpu":{"cpus":"999999"}})");
  ASSERT_TRUE(r.ok());
  std::vector<std::string> notes;
  absl::Status s = cg_->apply(*r, &notes);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("cpuset.cpus"));
}

TEST_F(CgroupRoot, ProcessMovedInIsCountedAndRemovalKillsIt) {
  int go[2], done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  pid_t p = ::fork();
  if (p == 0) {  // once moved in: touch 8 MiB (charged to the new cgroup), report, sleep
    char c;
    if (::read(go[0], &c, 1) != 1) _exit(2);
    volatile char* m = static_cast<volatile char*>(::malloc(8 << 20));
    for (int i = 0; i < (8 << 20); i += 4096) m[i] = 1;
    if (::write(done[1], const_cast<const char*>(m), 1) != 1) _exit(3);
    for (;;) ::pause();
  }
  children_.push_back(p);
  ASSERT_TRUE(cg_->add_process(p).ok());
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  char c;
  ASSERT_EQ(::read(done[0], &c, 1), 1);
  for (int fd : {go[0], go[1], done[0], done[1]}) ::close(fd);
  absl::StatusOr<std::vector<pid_t>> procs = cg_->processes();
  ASSERT_TRUE(procs.ok());
  EXPECT_THAT(*procs, ::testing::ElementsAre(p));
  absl::StatusOr<std::string> self = read_file(absl::StrCat("/proc/", p, "/cgroup"));
  ASSERT_TRUE(self.ok());
  EXPECT_THAT(*self, ::testing::HasSubstr(path_));
  absl::StatusOr<Stats> st = cg_->stats();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->pids_current, 1u);
  EXPECT_GE(st->memory_usage, 8u << 20);

  ASSERT_TRUE(cg_->remove().ok());
  int status = 0;
  ASSERT_EQ(::waitpid(p, &status, 0), p);
  children_.clear();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(Cgroup::open(path_).status().code(), absl::StatusCode::kNotFound);
  cg_.reset();
}

TEST_F(CgroupRoot, CpuTimeIsCounted) {
  pid_t p = ::fork();
  if (p == 0) {
    volatile uint64_t x = 0;
    for (;;) x = x + 1;
  }
  children_.push_back(p);
  ASSERT_TRUE(cg_->add_process(p).ok());
  absl::StatusOr<Stats> before = cg_->stats();
  ASSERT_TRUE(before.ok());
  uint64_t usage = before->cpu_usage_ns;
  // Wait (bounded) until the busy child has been charged some CPU time.
  for (int i = 0; i < 500 && usage <= before->cpu_usage_ns + 1000000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    usage = cg_->stats()->cpu_usage_ns;
  }
  EXPECT_GT(usage, before->cpu_usage_ns + 1000000);
}

TEST_F(CgroupRoot, FreezeAndThaw) {
  pid_t p = sleeper();
  ASSERT_TRUE(cg_->add_process(p).ok());
  ASSERT_TRUE(cg_->freeze().ok());
  if (cg_->version() == Version::kV1) {
    EXPECT_EQ(read("freezer", "freezer.state"), "FROZEN");
  } else {
    EXPECT_THAT(read("", "cgroup.events"), ::testing::HasSubstr("frozen 1"));
  }
  ASSERT_TRUE(cg_->thaw().ok());
  if (cg_->version() == Version::kV1) {
    EXPECT_EQ(read("freezer", "freezer.state"), "THAWED");
  }
}

TEST_F(CgroupRoot, OomKillIsSeen) {
  // No swap escape: memory+swap capped too where the host accounts swap.
  std::string json = R"({"memory":{"limit":16777216}})";
  if (::access(file("memory", "memory.memsw.limit_in_bytes").c_str(), F_OK) == 0 ||
      ::access(file("memory", "memory.swap.max").c_str(), F_OK) == 0) {
    json = R"({"memory":{"limit":16777216,"swap":16777216}})";
  }
  absl::StatusOr<Resources> r = parse_resources(json);
  ASSERT_TRUE(r.ok());
  std::vector<std::string> notes;
  ASSERT_TRUE(cg_->apply(*r, &notes).ok());
  absl::StatusOr<int> fd = cg_->oom_fd();
  ASSERT_TRUE(fd.ok()) << fd.status();
  int sync[2];
  ASSERT_EQ(::pipe(sync), 0);
  pid_t p = ::fork();
  if (p == 0) {
    char go;
    if (::read(sync[0], &go, 1) != 1) _exit(2);
    for (int i = 0; i < 256; ++i) {  // 256 MiB, touched
      volatile char* m = static_cast<volatile char*>(::malloc(1 << 20));
      for (int j = 0; m && j < (1 << 20); j += 4096) m[j] = 1;
    }
    _exit(0);
  }
  children_.push_back(p);
  ASSERT_TRUE(cg_->add_process(p).ok());
  ASSERT_EQ(::write(sync[1], "g", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(p, &status, 0), p);
  children_.clear();
  ::close(sync[0]);
  ::close(sync[1]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  absl::StatusOr<uint64_t> kills = cg_->oom_kills();
  ASSERT_TRUE(kills.ok());
  EXPECT_EQ(*kills, 1u);
  uint64_t n = 0;
  if (cg_->version() == Version::kV1) {
    EXPECT_EQ(::read(*fd, &n, sizeof n), static_cast<ssize_t>(sizeof n));
    EXPECT_GE(n, 1u);
  } else {
    char buf[4096];
    EXPECT_GT(::read(*fd, buf, sizeof buf), 0);
  }
  ::close(*fd);
}

// A hybrid v1 host still has a cgroup2 mount without controllers (/sys/fs/cgroup/unified): the
// v2 code's directories, process moves, freezing and removal run on it for real.
TEST(CgroupV2Unified, CoreOperations) {
  const std::string root = "/sys/fs/cgroup/unified";
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  absl::StatusOr<Version> v = Cgroup::detect(root);
  if (!v.ok() || *v != Version::kV2) GTEST_SKIP() << "no cgroup2 mount at " << root;
  const std::string path = absl::StrCat("/wasmshim-test-", ::getpid(), "/v2");
  absl::StatusOr<std::unique_ptr<Cgroup>> cg = Cgroup::create(path, Options{root});
  if (!cg.ok()) GTEST_SKIP() << "cgroup2 not writable: " << cg.status();
  EXPECT_EQ((*cg)->version(), Version::kV2);
  // Controllers this mount lacks are noted, not fatal.
  std::vector<std::string> notes;
  absl::StatusOr<Resources> r = parse_resources(R"({"pids":{"limit":5}})");
  ASSERT_TRUE(r.ok());
  absl::Status applied = (*cg)->apply(*r, &notes);
  EXPECT_TRUE(applied.ok()) << applied;
  pid_t p = ::fork();
  if (p == 0) {
    for (;;) ::pause();
  }
  ASSERT_TRUE((*cg)->add_process(p).ok());
  absl::StatusOr<std::vector<pid_t>> procs = (*cg)->processes();
  ASSERT_TRUE(procs.ok());
  EXPECT_THAT(*procs, ::testing::ElementsAre(p));
  ASSERT_TRUE((*cg)->freeze().ok());
  EXPECT_THAT(*read_file(root + path + "/cgroup.events"), ::testing::HasSubstr("frozen 1"));
  ASSERT_TRUE((*cg)->thaw().ok());
  EXPECT_THAT(*read_file(root + path + "/cgroup.events"), ::testing::HasSubstr("frozen 0"));
  absl::Status removed = (*cg)->remove();
  EXPECT_TRUE(removed.ok()) << removed;
  int status = 0;
  ASSERT_EQ(::waitpid(p, &status, 0), p);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(Cgroup::open(path, Options{root}).status().code(), absl::StatusCode::kNotFound);
  ::rmdir(absl::StrCat(root, "/wasmshim-test-", ::getpid()).c_str());
}

// Two containers created at once below a new parent: the creator whose mkdir of the parent
// finds it made already may get there before the other has copied cpus/mems into it. It must
// fill the level in itself, or nothing can join the child (cgroup.procs: ENOSPC).
TEST(CgroupV1Cpuset, ExistingEmptyLevelIsFilledIn) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
  absl::StatusOr<Version> v = Cgroup::detect(kRoot);
  const std::string hierarchy = absl::StrCat(kRoot, "/cpuset");
  if (!v.ok() || *v != Version::kV1 || ::access((hierarchy + "/cpuset.cpus").c_str(), W_OK) != 0) {
    GTEST_SKIP() << "no writable cgroup v1 cpuset hierarchy";
  }
  const std::string parent = absl::StrCat("/wasmshim-test-", ::getpid(), "-cpuset");
  ASSERT_EQ(::mkdir((hierarchy + parent).c_str(), 0755), 0);  // as the other creator left it
  ASSERT_EQ(read_trimmed(hierarchy + parent + "/cpuset.cpus").value_or("?"), "");
  absl::StatusOr<std::unique_ptr<Cgroup>> cg = Cgroup::create(parent + "/child");
  pid_t p = ::fork();
  if (p == 0) {
    for (;;) ::pause();
  }
  EXPECT_TRUE(cg.ok()) << cg.status();
  if (cg.ok()) {
    absl::Status added = (*cg)->add_process(p);
    EXPECT_TRUE(added.ok()) << added;
    EXPECT_NE(read_trimmed(hierarchy + parent + "/cpuset.cpus").value_or(""), "");
  }
  ::kill(p, SIGKILL);
  ::waitpid(p, nullptr, 0);
  if (cg.ok()) {
    EXPECT_TRUE((*cg)->remove().ok());
  }
  for (const char* h : {"", "/memory", "/cpu", "/cpuacct", "/cpuset", "/pids", "/freezer", "/blkio",
                        "/devices", "/hugetlb"}) {
    ::rmdir(absl::StrCat(kRoot, h, parent).c_str());
  }
}

TEST(CgroupDetect, ThisHost) {
  absl::StatusOr<Version> v = Cgroup::detect(kRoot);
  if (!v.ok()) GTEST_SKIP() << v.status();
  EXPECT_TRUE(*v == Version::kV1 || *v == Version::kV2);
  EXPECT_FALSE(Cgroup::detect("/nonexistent-dir").ok());
}

}  // namespace
}  // namespace ws::cgroups
