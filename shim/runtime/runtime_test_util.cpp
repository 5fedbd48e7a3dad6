// Root-test support: bundles, exits, FIFOs, children and mounts.
#include "shim/runtime/runtime_test_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "cgroups/cgroup.h"

namespace ws::shim::testing {

namespace fs = std::filesystem;

Bundle::Bundle() {
  char tmpl[] = "/tmp/ws-bundle-XXXXXX";
  if (::mkdtemp(tmpl) != nullptr) dir = tmpl;
  rootfs = dir + "/rootfs";
  fs::create_directories(rootfs);
  spec = {{"ociVersion", "1.0.2"},
          {"process", {{"args", {"/app.wasm"}}, {"env", {"PATH=/bin"}}, {"cwd", "/"}}},
          {"root", {{"path", "rootfs"}}},
          {"linux", {{"namespaces", {{{"type", "mount"}}}}}}};
}

Bundle::~Bundle() {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void Bundle::add_guest(const std::string& guest, const std::string& path) {
  fs::path to = rootfs + path;
  fs::create_directories(to.parent_path());
  fs::copy_file(guest_file(guest), to, fs::copy_options::overwrite_existing);
}

void Bundle::write_file(const std::string& path, const std::string& text) {
  fs::path to = dir + "/" + path;
  fs::create_directories(to.parent_path());
  std::ofstream(to) << text;
}

void Bundle::write_config() { std::ofstream(dir + "/config.json") << spec.dump(2); }

CreateConfig Bundle::create_config(const std::string& id) const {
  CreateConfig c;
  c.id = id;
  c.bundle = dir;
  return c;
}

Runtime::ExitHandler Exits::handler() {
  return [this](Process* p, ExitStatus s) {
    std::lock_guard<std::mutex> lock(mu_);
    exits_.emplace_back(p, s);
    cv_.notify_all();
  };
}

std::optional<ExitStatus> Exits::wait(Process* p, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<ExitStatus> out;
  cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
    for (auto& [q, s] : exits_) {
      if (q == p) out = s;
    }
    return out.has_value();
  });
  return out;
}

int Exits::count(Process* p) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (auto& [q, s] : exits_) n += q == p;
  return n;
}

void Exits::forget(Process* p) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(exits_, [p](const auto& e) { return e.first == p; });
}

std::string test_namespace() { return absl::StrCat("wasmshim-test-", ::getpid()); }

InstanceRuntimeOptions test_options() {
  InstanceRuntimeOptions o;
  o.instance_binary = WS_TEST_INSTANCE;
  // ctest runs these tests as parallel processes that all use the id "c1": a namespace per
  // process keeps their default cgroups (/<ns>/<id>) apart, since destroying one removes its
  // cgroup with every process still in it.
  o.ns = test_namespace();
  static const bool cleanup_registered = [] {
    // Delete leaves the (empty) namespace cgroup, as runc does; this process's one goes at exit.
    std::atexit([] {
      std::string name = test_namespace();
      std::error_code ec;
      ::rmdir(absl::StrCat("/sys/fs/cgroup/", name).c_str());  // v2
      for (const auto& e : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        ::rmdir((e.path() / name).c_str());  // v1 hierarchies
      }
    });
    return true;
  }();
  (void)cleanup_registered;
  return o;
}

::testing::AssertionResult in_cgroup(pid_t pid, const std::string& path) {
  absl::StatusOr<std::string> text = cgroups::read_file(absl::StrCat("/proc/", pid, "/cgroup"));
  if (!text.ok()) return ::testing::AssertionFailure() << text.status();
  int v1_lines = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3 || f[1].empty() || absl::StartsWith(f[1], "name=")) continue;
    ++v1_lines;
    if (f[2] != path)
      return ::testing::AssertionFailure() << f[1] << " at " << f[2] << ": " << *text;
  }
  if (v1_lines == 0 && text->find("0::" + path + "\n") == std::string::npos) {
    return ::testing::AssertionFailure() << "not at " << path << ": " << *text;
  }
  return ::testing::AssertionSuccess();
}

std::string guest_file(const std::string& guest) {
  return absl::StrCat(WS_TEST_GUESTS, "/", guest, ".wasm");
}

std::vector<pid_t> child_pids() {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  pid_t self = ::getpid();
  while (dirent* e = ::readdir(d)) {
    pid_t pid;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> f = absl::StrSplit(stat.substr(close + 2), ' ');
    pid_t ppid;
    if (f.size() > 1 && absl::SimpleAtoi(f[1], &ppid) && ppid == self) out.push_back(pid);
  }
  ::closedir(d);
  return out;
}

bool mounted(const std::string& path, pid_t pid, bool below) {
  std::ifstream in(pid == 0 ? std::string("/proc/self/mountinfo")
                            : absl::StrCat("/proc/", pid, "/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (f.size() < 5) continue;
    if (f[4] == path || (below && f[4].rfind(path + "/", 0) == 0)) return true;
  }
  return false;
}

UniqueFd make_fifo_reader(const std::string& path) {
  ::mkfifo(path.c_str(), 0600);
  return UniqueFd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
}

std::string read_until_eof(int fd, absl::Duration timeout) {
  std::string out;
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) break;
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace ws::shim::testing
