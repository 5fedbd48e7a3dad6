// cgroup v1: one directory per controller hierarchy (/sys/fs/cgroup/<controller>/<path>).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cgroups/cgroup.h"

namespace ws::cgroups {
namespace {

// Hierarchies a container joins; co-mounted ones (cpu,cpuacct) are joined once.
constexpr const char* kControllers[] = {"memory",  "cpu",   "cpuacct", "cpuset", "pids",
                                        "freezer", "blkio", "devices", "hugetlb"};

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

class CgroupV1 : public Cgroup {
 public:
  CgroupV1(std::string root, std::string path) : Cgroup(std::move(path)), root_(std::move(root)) {}

  Version version() const override { return Version::kV1; }

  absl::Status setup(bool create) override {
    std::vector<std::string> seen;
    for (const char* c : kControllers) {
      std::string base = absl::StrCat(root_, "/", c);
      char* real = ::realpath(base.c_str(), nullptr);
      if (real == nullptr) continue;
      std::string resolved(real);
      ::free(real);
      if (std::find(seen.begin(), seen.end(), resolved) != seen.end()) {
        alias_[c] = resolved;
        continue;
      }
      seen.push_back(resolved);
      alias_[c] = resolved;
      if (!create) {
        if (exists(resolved + path_)) dirs_.push_back(resolved + path_);
        continue;
      }
      if (absl::Status s = make_dirs(resolved, std::string(c) == "cpuset"); !s.ok()) return s;
      dirs_.push_back(resolved + path_);
    }
    if (dirs_.empty()) {
      return create ? absl::FailedPreconditionError(
                          absl::StrCat("cgroups: no v1 controller hierarchy under ", root_))
                    : absl::NotFoundError(absl::StrCat("cgroup ", path_, " does not exist"));
    }
    return absl::OkStatus();
  }

  absl::Status apply(const Resources& r, std::vector<std::string>* notes) override {
    absl::StatusOr<std::vector<Setting>> settings = to_v1(r, notes);
    if (!settings.ok()) return settings.status();
    for (const Setting& s : *settings) {
      std::string file = file_of(s.controller, s.file);
      if (file.empty() || !exists(file)) {
        notes->push_back(absl::StrCat(s.file, " (not available on this host)"));
        continue;
      }
      absl::Status w = write_file(file, s.value);
      if (!w.ok() && s.file == "memory.limit_in_bytes") {
        // Raising the limit above memory+swap needs memsw raised first.
        for (const Setting& t : *settings) {
          if (t.file == "memory.memsw.limit_in_bytes") {
            if (write_file(file_of("memory", t.file), t.value).ok()) w = write_file(file, s.value);
          }
        }
      }
      if (!w.ok()) return w;
    }
    return absl::OkStatus();
  }

  absl::Status add_process(pid_t pid) override {
    for (const std::string& d : dirs_) {
      if (absl::Status s = write_file(d + "/cgroup.procs", absl::StrCat(pid)); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  std::vector<std::string> self_join_files() const override {
    std::vector<std::string> files;
    for (const std::string& d : dirs_) files.push_back(d + "/tasks");
    return files;
  }

  absl::StatusOr<std::vector<pid_t>> processes() override {
    absl::StatusOr<std::string> text = read_file(dirs_.front() + "/cgroup.procs");
    if (!text.ok()) return text.status();
    return parse_pids(*text);
  }

  absl::StatusOr<Stats> stats() override {
    Stats st;
    st.version = Version::kV1;
    auto num = [&](const char* c, const char* f) {
      absl::StatusOr<std::string> t = read_trimmed(file_of(c, f));
      return t.ok() ? parse_u64(*t) : 0;
    };
    auto keyed = [&](const char* c, const char* f) {
      absl::StatusOr<std::string> t = read_file(file_of(c, f));
      return t.ok() ? parse_flat_keyed(*t) : std::map<std::string, uint64_t>{};
    };
    st.cpu_usage_ns = num("cpuacct", "cpuacct.usage");
    if (absl::StatusOr<std::string> t = read_trimmed(file_of("cpuacct", "cpuacct.usage_percpu"));
        t.ok()) {
      for (absl::string_view v : absl::StrSplit(*t, ' ', absl::SkipEmpty())) {
        st.cpu_per_cpu_ns.push_back(parse_u64(std::string(v)));
      }
    }
    auto ticks = keyed("cpuacct", "cpuacct.stat");
    const uint64_t ns_per_tick = 1000000000ull / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    st.cpu_user_ns = ticks["user"] * ns_per_tick;
    st.cpu_system_ns = ticks["system"] * ns_per_tick;
    auto cpu = keyed("cpu", "cpu.stat");
    st.cpu_periods = cpu["nr_periods"];
    st.cpu_throttled_periods = cpu["nr_throttled"];
    st.cpu_throttled_ns = cpu["throttled_time"];
    st.memory_usage = num("memory", "memory.usage_in_bytes");
    st.memory_limit = num("memory", "memory.limit_in_bytes");
    st.memory_max_usage = num("memory", "memory.max_usage_in_bytes");
    st.memory_failcnt = num("memory", "memory.failcnt");
    st.swap_usage = num("memory", "memory.memsw.usage_in_bytes");
    st.swap_limit = num("memory", "memory.memsw.limit_in_bytes");
    st.memory_stat = keyed("memory", "memory.stat");
    auto oom = keyed("memory", "memory.oom_control");
    st.oom_kills = oom["oom_kill"];
    st.under_oom = oom["under_oom"];
    st.pids_current = num("pids", "pids.current");
    st.pids_limit = num("pids", "pids.max");
    return st;
  }

  absl::Status freeze() override { return set_freezer("FROZEN"); }
  absl::Status thaw() override { return set_freezer("THAWED"); }

  absl::StatusOr<uint64_t> oom_kills() override {
    absl::StatusOr<std::string> t = read_file(file_of("memory", "memory.oom_control"));
    if (!t.ok()) return t.status();
    return parse_flat_keyed(*t)["oom_kill"];
  }

  absl::StatusOr<int> oom_fd() override {
    std::string dir = dir_of("memory");
    if (dir.empty()) return absl::FailedPreconditionError("cgroups: no memory controller");
    int efd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (efd < 0) return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
    int ofd = ::open((dir + "/memory.oom_control").c_str(), O_RDONLY | O_CLOEXEC);
    if (ofd < 0) {
      ::close(efd);
      return absl::InternalError(
          absl::StrCat("cgroups: open ", dir, "/memory.oom_control: ", std::strerror(errno)));
    }
    absl::Status s = write_file(dir + "/cgroup.event_control", absl::StrCat(efd, " ", ofd));
    ::close(ofd);
    if (!s.ok()) {
      ::close(efd);
      return s;
    }
    return efd;
  }

  absl::Status remove() override {
    if (!dir_of("freezer").empty()) set_freezer("THAWED").IgnoreError();
    for (const std::string& d : dirs_) {
      if (absl::Status s = kill_all(d + "/cgroup.procs"); !s.ok()) return s;
    }
    absl::Status first = absl::OkStatus();
    for (const std::string& d : dirs_) {
      absl::Status s = remove_dir(d);
      if (first.ok()) first = s;
    }
    return first;
  }

 private:
  // mkdir -p below the hierarchy; new cpuset levels inherit cpus/mems from their parent, or
  // processes could not join them. Also a level that exists already: a concurrent creator (two
  // containers started at once below a new parent) may not have filled it in yet.
  absl::Status make_dirs(const std::string& base, bool cpuset) {
    std::string cur = base;
    for (absl::string_view part : absl::StrSplit(path_, '/', absl::SkipEmpty())) {
      std::string parent = cur;
      absl::StrAppend(&cur, "/", part);
      if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        return absl::Status(errno == EACCES || errno == EROFS || errno == EPERM
                                ? absl::StatusCode::kPermissionDenied
                                : absl::StatusCode::kInternal,
                            absl::StrCat("cgroups: mkdir ", cur, ": ", std::strerror(errno)));
      }
      if (!cpuset) continue;
      for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
        absl::StatusOr<std::string> v = read_trimmed(absl::StrCat(parent, "/", f));
        absl::StatusOr<std::string> mine = read_trimmed(absl::StrCat(cur, "/", f));
        if (v.ok() && mine.ok() && mine->empty()) {
          if (absl::Status s = write_file(absl::StrCat(cur, "/", f), *v); !s.ok()) return s;
        }
      }
    }
    return absl::OkStatus();
  }

  std::string dir_of(const std::string& controller) const {
    auto it = alias_.find(controller);
    if (it == alias_.end()) return "";
    std::string d = it->second + path_;
    return std::find(dirs_.begin(), dirs_.end(), d) != dirs_.end() ? d : "";
  }
  std::string file_of(const std::string& controller, const std::string& file) const {
    std::string d = dir_of(controller);
    return d.empty() ? "" : absl::StrCat(d, "/", file);
  }

  absl::Status set_freezer(const char* state) {
    std::string file = file_of("freezer", "freezer.state");
    if (file.empty()) return absl::UnimplementedError("cgroups: no freezer hierarchy");
    for (int i = 0; i < 500; ++i) {
      if (absl::Status s = write_file(file, state); !s.ok()) return s;
      absl::StatusOr<std::string> now = read_trimmed(file);
      if (!now.ok()) return now.status();
      if (*now == state) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return absl::DeadlineExceededError(
        absl::StrCat("cgroups: ", path_, " did not reach ", state, " in 5 s"));
  }

  std::string root_;
  std::map<std::string, std::string> alias_;  // controller -> resolved hierarchy root
  std::vector<std::string> dirs_;             // this cgroup in each distinct hierarchy
};

}  // namespace

std::unique_ptr<Cgroup> make_v1(const std::string& root, const std::string& path) {
  return std::make_unique<CgroupV1>(root, path);
}

}  // namespace ws::cgroups
