// WasiContext: builds the guest's descriptor table from a WasiConfig and registers every
// function of functions.def with a linker.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/runtime/store.h"
#include "engine/wasi/host.h"
#include "engine/wasi/wasi.h"

namespace ws::engine::wasi {

struct WasiContext::State {
  Env env;
};

namespace {

absl::Status host_error(const char* what, const std::string& path, int err) {
  std::string msg = absl::StrCat(what, " ", path, ": ", strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == ENOTDIR || err == EBADF || err == ENOTSOCK) return absl::InvalidArgumentError(msg);
  return absl::InternalError(msg);
}

// Host descriptor `fd` (or /dev/null when negative) as guest stdio.
absl::Status add_stdio(Env& env, uint32_t guest_fd, int fd) {
  auto e = std::make_unique<FdEntry>();
  e->fd.reset(fd < 0 ? open("/dev/null", O_RDWR | O_CLOEXEC) : fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!e->fd.valid()) return host_error("stdio descriptor", std::to_string(fd), errno);
  struct stat st;
  if (fstat(e->fd.get(), &st) != 0)
    return host_error("stdio descriptor", std::to_string(fd), errno);
  e->kind = FdKind::kStdio;
  e->rights_base = rights::kStdio;
  // wasi-libc's isatty() wants a character device without seek rights. Pipes keep them, so
  // seeking there is ESPIPE as on POSIX.
  if (S_ISCHR(st.st_mode)) e->rights_base &= ~(rights::kFdSeek | rights::kFdTell);
  e->may_block = S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
  env.fds.put(guest_fd, std::move(e));
  return absl::OkStatus();
}

absl::Status add_preopen(Env& env, uint32_t guest_fd, const PreopenDir& dir) {
  if (dir.guest_path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("preopen ", dir.host_path, ": the guest path is empty"));
  }
  auto p = std::make_shared<Preopen>();
  p->fd.reset(open(dir.host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!p->fd.valid()) return host_error("preopen", dir.host_path, errno);
  p->guest_path = dir.guest_path;
  p->mode = dir.mode;
  p->read_only = dir.read_only;
  auto e = std::make_unique<FdEntry>();
  e->fd.reset(fcntl(p->fd.get(), F_DUPFD_CLOEXEC, 0));
  if (!e->fd.valid()) return host_error("preopen", dir.host_path, errno);
  e->kind = FdKind::kDirectory;
  uint64_t granted = dir.read_only ? rights::kAll & ~rights::kWrites : rights::kAll;
  e->rights_base = granted & ~(rights::kSockAccept | rights::kSockShutdown);
  e->rights_inheriting = e->rights_base;
  e->preopen = std::move(p);
  e->is_preopen = true;
  env.fds.put(guest_fd, std::move(e));
  return absl::OkStatus();
}

absl::Status add_socket(Env& env, uint32_t guest_fd, int fd) {
  auto e = std::make_unique<FdEntry>();
  e->fd.reset(fcntl(fd, F_DUPFD_CLOEXEC, 0));
  struct stat st;
  if (!e->fd.valid()) return host_error("listen socket", std::to_string(fd), errno);
  if (fstat(e->fd.get(), &st) != 0) return host_error("listen socket", std::to_string(fd), errno);
  if (!S_ISSOCK(st.st_mode)) return host_error("listen socket", std::to_string(fd), ENOTSOCK);
  e->kind = FdKind::kSocket;
  e->rights_base = rights::kSocket | rights::kSockAccept;
  e->may_block = true;
  env.fds.put(guest_fd, std::move(e));
  return absl::OkStatus();
}

absl::Status check_strings(const std::vector<std::string>& list, const char* what) {
  for (const std::string& s : list) {
    if (s.find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(what, " entry contains a NUL byte"));
    }
  }
  return absl::OkStatus();
}

FuncType signature(std::string_view params, std::string_view results) {
  FuncType ft;
  for (char ch : params) ft.types.push_back(ch == 'I' ? ValType::kI64 : ValType::kI32);
  for (char ch : results) ft.types.push_back(ch == 'I' ? ValType::kI64 : ValType::kI32);
  ft.num_params = static_cast<uint32_t>(params.size());
  return ft;
}

}  // namespace

WasiContext::WasiContext(std::unique_ptr<State> state) : state_(std::move(state)) {}
WasiContext::~WasiContext() = default;

absl::StatusOr<std::unique_ptr<WasiContext>> WasiContext::create(const WasiConfig& config) {
  auto state = std::make_unique<State>();
  Env& env = state->env;
  absl::Status s = check_strings(config.args, "argument");
  if (s.ok()) s = check_strings(config.env, "environment");
  if (!s.ok()) return s;
  env.args = config.args;
  env.env = config.env;
  env.fds.set_limit(config.max_fds);
  const int stdio[3] = {config.stdin_fd, config.stdout_fd, config.stderr_fd};
  for (uint32_t i = 0; i < 3; ++i) {
    s = add_stdio(env, i, stdio[i]);
    if (!s.ok()) return s;
  }
  uint32_t next = 3;
  for (const PreopenDir& dir : config.dirs) {
    s = add_preopen(env, next++, dir);
    if (!s.ok()) return s;
  }
  for (int fd : config.listen_sockets) {
    s = add_socket(env, next++, fd);
    if (!s.ok()) return s;
  }
  return std::unique_ptr<WasiContext>(new WasiContext(std::move(state)));
}

void WasiContext::define(Store& store, Linker& linker) {
  using Handler = Errno (*)(Call&);
  struct Def {
    const char* name;
    const char* params;
    const char* results;
    Handler handler;
  };
  static constexpr Def kDefs[] = {
#define WASI_FUNCTION(name, params, results) {#name, params, results, &host::name},
#include "engine/wasi/functions.def"
#undef WASI_FUNCTION
  };
  Env* env = &state_->env;
  for (const Def& d : kDefs) {
    bool has_result = d.results[0] != '\0';
    Handler handler = d.handler;
    HostCallback cb = [env, handler, has_result](Caller& caller,
                                                 std::span<const abi::RawValue> args,
                                                 std::span<abi::RawValue> results) {
      Call call{*env, caller, GuestMemory(caller.memory(0)), args};
      Errno e = handler(call);
      if (has_result) results[0] = raw_i32(static_cast<int32_t>(e));
      return absl::OkStatus();
    };
    FuncRecord* f = store.create_host_function(
        {signature(d.params, d.results), std::move(cb), std::string("wasi:") + d.name});
    linker.define("wasi_snapshot_preview1", d.name, Extern::of(f));
  }
}

}  // namespace ws::engine::wasi
