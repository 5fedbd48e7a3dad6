// Version detection, the factory, and the file helpers both versions share.
#include "cgroups/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

namespace ws::cgroups {

absl::StatusOr<Version> Cgroup::detect(const std::string& root) {
  struct statfs fs {};
  if (::statfs(root.c_str(), &fs) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroups: cannot stat ", root, ": ", std::strerror(errno)));
  }
  if (static_cast<uint64_t>(fs.f_type) == CGROUP2_SUPER_MAGIC) return Version::kV2;
  struct stat st {};
  if (::stat(absl::StrCat(root, "/memory").c_str(), &st) == 0 ||
      ::stat(absl::StrCat(root, "/cpu").c_str(), &st) == 0) {
    return Version::kV1;
  }
  return absl::FailedPreconditionError(
      absl::StrCat("cgroups: ", root, " is neither a cgroup2 mount nor a v1 hierarchy root"));
}

absl::StatusOr<std::unique_ptr<Cgroup>> Cgroup::create(const std::string& path,
                                                       const Options& options) {
  absl::StatusOr<Version> v = detect(options.root);
  if (!v.ok()) return v.status();
  std::unique_ptr<Cgroup> cg =
      *v == Version::kV2 ? make_v2(options.root, path) : make_v1(options.root, path);
  if (absl::Status s = cg->setup(true); !s.ok()) return s;
  return cg;
}

absl::StatusOr<std::unique_ptr<Cgroup>> Cgroup::open(const std::string& path,
                                                     const Options& options) {
  absl::StatusOr<Version> v = detect(options.root);
  if (!v.ok()) return v.status();
  std::unique_ptr<Cgroup> cg =
      *v == Version::kV2 ? make_v2(options.root, path) : make_v1(options.root, path);
  if (absl::Status s = cg->setup(false); !s.ok()) return s;
  return cg;
}

absl::Status write_file(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cgroups: open ", path, ": ", std::strerror(errno)));
  }
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    auto code = err == EINVAL || err == ERANGE ? absl::StatusCode::kInvalidArgument
                                               : absl::StatusCode::kInternal;
    return absl::Status(code, absl::StrCat("cgroups: write \"", value, "\" to ", path, ": ",
                                           n < 0 ? std::strerror(err) : "short write"));
  }
  return absl::OkStatus();
}

absl::Status join_self(const std::vector<std::string>& files) {
  if (files.empty()) return absl::OkStatus();
  absl::StatusOr<std::string> status = read_file("/proc/self/status");
  if (!status.ok()) return status.status();
  size_t at = status->find("\nThreads:");
  if (at == std::string::npos) {
    return absl::InternalError("cgroups: /proc/self/status has no Threads line");
  }
  int threads = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::string_view(*status).substr(
                            at + 9, status->find('\n', at + 1) - (at + 9))),
                        &threads) ||
      threads != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cgroups: a process with ", threads, " threads cannot move itself thread by thread"));
  }
  for (const std::string& f : files) {
    if (absl::Status s = write_file(f, "0"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::Status(errno == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kInternal,
                        absl::StrCat("cgroups: open ", path, ": ", std::strerror(errno)));
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return absl::InternalError(absl::StrCat("cgroups: read ", path, ": ", std::strerror(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<std::string> read_trimmed(const std::string& path) {
  absl::StatusOr<std::string> text = read_file(path);
  if (!text.ok()) return text.status();
  return std::string(absl::StripAsciiWhitespace(*text));
}

std::map<std::string, uint64_t> parse_flat_keyed(const std::string& text) {
  std::map<std::string, uint64_t> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t v = 0;
    if (kv.size() == 2 && absl::SimpleAtoi(kv[1], &v)) out[std::string(kv[0])] = v;
  }
  return out;
}

uint64_t parse_u64(const std::string& text) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &v)) return 0;
  return v;
}

std::vector<pid_t> parse_pids(const std::string& text) {
  std::vector<pid_t> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(line, &pid) && pid > 0) out.push_back(pid);
  }
  return out;
}

absl::Status kill_all(const std::string& procs_file) {
  for (int i = 0; i < 500; ++i) {
    absl::StatusOr<std::string> text = read_file(procs_file);
    if (!text.ok()) return absl::OkStatus();  // gone already
    std::vector<pid_t> pids = parse_pids(*text);
    if (pids.empty()) return absl::OkStatus();
    for (pid_t p : pids) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("cgroups: processes in ", procs_file, " survived SIGKILL"));
}

absl::Status remove_dir(const std::string& dir) {
  for (int i = 0; i < 200; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return absl::InternalError(absl::StrCat("cgroups: rmdir ", dir, ": ", std::strerror(errno)));
}

}  // namespace ws::cgroups
