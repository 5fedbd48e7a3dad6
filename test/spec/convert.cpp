// TempDir and the wast2json child process (posix_spawnp, output to a log file in the temp dir).
#include "test/spec/convert.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "support/file.h"

extern char** environ;

namespace ws::spec_test {
namespace {

constexpr size_t kMaxLogInError = 600;

// The first line of wast2json's output (its first error), trimmed for an error message.
std::string log_excerpt(const std::string& log_path) {
  absl::StatusOr<std::string> log = support::read_text_file(log_path);
  if (!log.ok()) return "";
  absl::string_view first = absl::StripAsciiWhitespace(*log);
  std::string text(first.substr(0, first.find('\n')));
  if (text.size() > kMaxLogInError) text = text.substr(0, kMaxLogInError) + "...";
  return text;
}

// Spawns argv with stdin from /dev/null and stdout+stderr into log_path; returns the wait status.
absl::StatusOr<int> spawn_and_wait(const std::vector<std::string>& args,
                                   const std::string& log_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int err = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", args[0], ": ", std::strerror(err),
                     err == ENOENT ? " (install Debian's wabt package)" : ""));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  }
  return status;
}

}  // namespace

absl::StatusOr<TempDir> TempDir::create() {
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string templ = (base / "ws-spec-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", templ, ": ", std::strerror(errno)));
  }
  return TempDir(std::move(templ));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;  // best effort: a destructor cannot report
  std::filesystem::remove_all(path_, ec);
}

absl::StatusOr<std::string> run_wast2json(const std::string& wast,
                                          const std::vector<std::string>& flags,
                                          const std::string& out_dir) {
  std::string json = out_dir + "/script.json";
  std::string log = out_dir + "/wast2json.log";
  std::vector<std::string> args = {"wast2json", wast, "-o", json};
  args.insert(args.end(), flags.begin(), flags.end());
  absl::StatusOr<int> status = spawn_and_wait(args, log);
  if (!status.ok()) return status.status();
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return json;
  std::string how = WIFEXITED(*status) ? absl::StrCat("exit status ", WEXITSTATUS(*status))
                                       : absl::StrCat("signal ", WTERMSIG(*status));
  return absl::InternalError(
      absl::StrCat("wast2json ", wast, " failed (", how, "): ", log_excerpt(log)));
}

}  // namespace ws::spec_test
