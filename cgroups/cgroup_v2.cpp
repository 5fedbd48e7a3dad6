// cgroup v2: one unified directory (/sys/fs/cgroup/<path>), controllers enabled from the root down.
#include <errno.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cgroups/cgroup.h"

namespace ws::cgroups {
namespace {

constexpr const char* kControllers[] = {"cpu", "cpuset", "memory", "pids", "io", "hugetlb"};

class CgroupV2 : public Cgroup {
 public:
  CgroupV2(std::string root, std::string path)
      : Cgroup(std::move(path)), dir_(root + path_), root_(std::move(root)) {}

  Version version() const override { return Version::kV2; }

  absl::Status setup(bool create) override {
    struct stat st {};
    if (!create) {
      if (::stat(dir_.c_str(), &st) != 0) {
        return absl::NotFoundError(absl::StrCat("cgroup ", path_, " does not exist"));
      }
      return absl::OkStatus();
    }
    std::string cur = root_;
    for (absl::string_view part : absl::StrSplit(path_, '/', absl::SkipEmpty())) {
      enable_controllers(cur);  // a parent must delegate before its children can use them
      absl::StrAppend(&cur, "/", part);
      if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::Status(errno == EACCES || errno == EROFS || errno == EPERM
                                ? absl::StatusCode::kPermissionDenied
                                : absl::StatusCode::kInternal,
                            absl::StrCat("cgroups: mkdir ", cur, ": ", std::strerror(errno)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status apply(const Resources& r, std::vector<std::string>* notes) override {
    absl::StatusOr<std::vector<Setting>> settings = to_v2(r, notes);
    if (!settings.ok()) return settings.status();
    for (const Setting& s : *settings) {
      std::string file = absl::StrCat(dir_, "/", s.file);
      struct stat st {};
      if (::stat(file.c_str(), &st) != 0) {
        notes->push_back(absl::StrCat(s.file, " (not available on this host)"));
        continue;
      }
      if (absl::Status w = write_file(file, s.value); !w.ok()) return w;
    }
    return absl::OkStatus();
  }

  absl::Status add_process(pid_t pid) override {
    return write_file(dir_ + "/cgroup.procs", absl::StrCat(pid));
  }

  absl::StatusOr<std::vector<pid_t>> processes() override {
    absl::StatusOr<std::string> text = read_file(dir_ + "/cgroup.procs");
    if (!text.ok()) return text.status();
    return parse_pids(*text);
  }

  absl::StatusOr<Stats> stats() override {
    Stats st;
    st.version = Version::kV2;
    auto num = [&](const char* f) {
      absl::StatusOr<std::string> t = read_trimmed(absl::StrCat(dir_, "/", f));
      return t.ok() ? parse_u64(*t) : 0;
    };
    auto keyed = [&](const char* f) {
      absl::StatusOr<std::string> t = read_file(absl::StrCat(dir_, "/", f));
      return t.ok() ? parse_flat_keyed(*t) : std::map<std::string, uint64_t>{};
    };
    auto cpu = keyed("cpu.stat");
    st.cpu_usage_ns = cpu["usage_usec"] * 1000;
    st.cpu_user_ns = cpu["user_usec"] * 1000;
    st.cpu_system_ns = cpu["system_usec"] * 1000;
    st.cpu_periods = cpu["nr_periods"];
    st.cpu_throttled_periods = cpu["nr_throttled"];
    st.cpu_throttled_ns = cpu["throttled_usec"] * 1000;
    st.memory_usage = num("memory.current");
    st.memory_limit = num("memory.max");
    st.memory_max_usage = num("memory.peak");
    st.swap_usage = num("memory.swap.current");
    st.swap_limit = num("memory.swap.max");
    st.memory_stat = keyed("memory.stat");
    st.memory_events = keyed("memory.events");
    st.memory_failcnt = st.memory_events["max"];
    st.oom_kills = st.memory_events["oom_kill"];
    st.pids_current = num("pids.current");
    st.pids_limit = num("pids.max");
    return st;
  }

  absl::Status freeze() override { return set_frozen(true); }
  absl::Status thaw() override { return set_frozen(false); }

  absl::StatusOr<uint64_t> oom_kills() override {
    absl::StatusOr<std::string> t = read_file(dir_ + "/memory.events");
    if (!t.ok()) return t.status();
    return parse_flat_keyed(*t)["oom_kill"];
  }

  absl::StatusOr<int> oom_fd() override {
    int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0) return absl::InternalError(absl::StrCat("inotify: ", std::strerror(errno)));
    if (::inotify_add_watch(fd, (dir_ + "/memory.events").c_str(), IN_MODIFY) < 0) {
      int err = errno;
      ::close(fd);
      return absl::InternalError(
          absl::StrCat("cgroups: watch ", dir_, "/memory.events: ", std::strerror(err)));
    }
    return fd;
  }

  absl::Status remove() override {
    set_frozen(false).IgnoreError();
    // cgroup.kill (5.14+) ends everything at once; older kernels: SIGKILL each process.
    write_file(dir_ + "/cgroup.kill", "1").IgnoreError();
    if (absl::Status s = kill_all(dir_ + "/cgroup.procs"); !s.ok()) return s;
    return remove_dir(dir_);
  }

 private:
  void enable_controllers(const std::string& dir) {
    absl::StatusOr<std::string> have = read_trimmed(dir + "/cgroup.controllers");
    if (!have.ok()) return;
    for (absl::string_view c : absl::StrSplit(*have, ' ', absl::SkipEmpty())) {
      for (const char* want : kControllers) {
        if (c == want)
          write_file(dir + "/cgroup.subtree_control", absl::StrCat("+", c)).IgnoreError();
      }
    }
  }

  absl::Status set_frozen(bool frozen) {
    std::string file = dir_ + "/cgroup.freeze";
    if (absl::Status s = write_file(file, frozen ? "1" : "0"); !s.ok()) return s;
    for (int i = 0; i < 500; ++i) {
      absl::StatusOr<std::string> ev = read_file(dir_ + "/cgroup.events");
      if (!ev.ok()) return ev.status();
      if (parse_flat_keyed(*ev)["frozen"] == (frozen ? 1u : 0u)) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("cgroups: ", path_, " did not ", frozen ? "freeze" : "thaw", " in 5 s"));
  }

  std::string dir_;
  std::string root_;
};

}  // namespace

std::unique_ptr<Cgroup> make_v2(const std::string& root, const std::string& path) {
  return std::make_unique<CgroupV2>(root, path);
}

}  // namespace ws::cgroups
