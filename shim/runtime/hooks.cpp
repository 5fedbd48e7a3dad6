// Hook processes: spawned through the reaper, fed the state, output captured for errors.
#include "shim/runtime/hooks.h"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "shim/runtime/fd.h"
#include "shim/runtime/reaper.h"
#include "shim/runtime/spawn.h"

namespace ws::shim {
namespace {

constexpr size_t kMaxOutput = 4096;  // of a hook's output kept for the error message

struct Pipes {
  UniqueFd in_read, out_read, out_write;
};

// The state goes into the pipe before the hook starts (it fits: the pipe is grown to hold it).
absl::StatusOr<Pipes> make_pipes(const std::string& state) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return errno_status(errno, "hook stdin pipe");
  Pipes p;
  p.in_read.reset(in[0]);
  UniqueFd in_write(in[1]);
  ::fcntl(in_write.get(), F_SETPIPE_SZ, static_cast<int>(state.size() + 4096));
  ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
  if (absl::Status s = write_all(in_write.get(), state, "write the hook's state"); !s.ok()) {
    return s;
  }
  if (::pipe2(out, O_CLOEXEC | O_NONBLOCK) != 0) return errno_status(errno, "hook output pipe");
  p.out_read.reset(out[0]);
  p.out_write.reset(out[1]);
  return p;
}

void read_some(int fd, std::string& output) {
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
    if (output.size() < kMaxOutput) {
      output.append(buf, std::min(static_cast<size_t>(n), kMaxOutput - output.size()));
    }
  }
}

std::string describe(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exited with code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return absl::StrCat("ended with wait status ", status);
}

absl::Status run_hook(absl::string_view stage, const oci::Hook& hook, const std::string& state) {
  absl::StatusOr<Pipes> pipes = make_pipes(state);
  if (!pipes.ok()) return pipes.status();
  SpawnRequest req;
  req.path = hook.path;
  req.argv = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  req.env = hook.env;
  req.fds = {pipes->in_read.get(), pipes->out_write.get(), pipes->out_write.get()};
  auto exited = std::make_shared<std::promise<int>>();
  std::future<int> status = exited->get_future();
  Spawned child;
  absl::StatusOr<pid_t> pid = Reaper::get().spawn(
      [&]() -> absl::StatusOr<pid_t> {
        absl::StatusOr<Spawned> s = spawn_process(req);
        if (!s.ok()) return s.status();
        child = std::move(*s);
        return child.pid;
      },
      [exited](pid_t, int wait_status) { exited->set_value(wait_status); });
  std::string name = absl::StrCat(stage, " hook ", hook.path);
  if (!pid.ok()) return absl::InternalError(absl::StrCat(name, ": ", pid.status().message()));
  pipes->in_read.reset();
  pipes->out_write.reset();

  absl::Time deadline =
      hook.timeout ? absl::Now() + absl::Seconds(*hook.timeout) : absl::InfiniteFuture();
  std::string output;
  while (status.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    if (absl::Now() >= deadline) {
      signal_process(child, SIGKILL).IgnoreError();
      status.wait();
      return absl::DeadlineExceededError(
          absl::StrCat(name, ": did not finish within ", *hook.timeout, "s"));
    }
    pollfd p{pipes->out_read.get(), POLLIN, 0};
    if (::poll(&p, 1, 20) > 0) read_some(p.fd, output);
  }
  read_some(pipes->out_read.get(), output);
  int wait_status = status.get();
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) return absl::OkStatus();
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return absl::InternalError(
      absl::StrCat(name, ": ", describe(wait_status), output.empty() ? "" : ": ", output));
}

}  // namespace

std::string hook_state_json(const HookState& s) {
  nlohmann::ordered_json state = {
      {"ociVersion", s.oci_version}, {"id", s.id},
      {"status", s.status},          {"pid", s.pid},
      {"bundle", s.bundle},          {"annotations", nlohmann::ordered_json::object()}};
  for (const auto& [k, v] : s.annotations) state["annotations"][k] = v;
  // Invalid UTF-8 in an annotation must not throw: replace it.
  return state.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::Status run_hooks(absl::string_view stage, const std::vector<oci::Hook>& hooks,
                       const HookState& state) {
  if (hooks.empty()) return absl::OkStatus();
  std::string json = hook_state_json(state);
  for (const oci::Hook& hook : hooks) {
    if (absl::Status s = run_hook(stage, hook, json); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace ws::shim
