// Loading a guest from inside the container's root and running it as a WASI command.
#include "shim/runtime/guest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shim/runtime/in_root.h"

namespace ws::shim {
namespace {

constexpr int kTrapExit = 134;

absl::Status module_error(const absl::Status& s, const std::string& path) {
  absl::StatusCode code =
      s.code() == absl::StatusCode::kUnimplemented ? s.code() : absl::StatusCode::kInvalidArgument;
  std::string message(s.message());
  if (!absl::StartsWith(message, path)) message = absl::StrCat(path, ": ", message);
  return absl::Status(code, message);
}

bool exports_start(const engine::Module& m) {
  for (const engine::Export& e : m.exports) {
    if (e.name == "_start" && e.kind == engine::ExternKind::kFunc) return true;
  }
  return false;
}

void report(const std::string& text) {
  std::string line = text + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace

std::string module_path(const oci::Process& process, int root_fd) {
  const std::string& arg = process.args.front();
  std::string cwd = process.cwd.empty() ? "/" : process.cwd;
  if (!cwd.ends_with('/')) cwd += '/';
  if (arg.find('/') != std::string::npos) return arg[0] == '/' ? arg : cwd + arg;
  for (const std::string& kv : process.env) {
    if (!absl::StartsWith(kv, "PATH=")) continue;
    for (absl::string_view dir : absl::StrSplit(kv.substr(5), ':', absl::SkipEmpty())) {
      std::string candidate = absl::StrCat(dir, absl::EndsWith(dir, "/") ? "" : "/", arg);
      if (open_in_root(root_fd, candidate, O_PATH).ok()) return candidate;
    }
  }
  return cwd + arg;
}

absl::StatusOr<std::unique_ptr<Guest>> Guest::load(const oci::Process& process,
                                                   const ContainerRoot& root) {
  if (process.args.empty()) {
    return absl::InvalidArgumentError("process.args is empty: no module to run");
  }
  std::unique_ptr<Guest> g(new Guest());
  g->path_ = module_path(process, root.fd.get());
  absl::StatusOr<std::vector<uint8_t>> bytes = read_in_root(root.fd.get(), g->path_);
  if (!bytes.ok()) return module_error(bytes.status(), g->path_);
  // The code cache shared by every container: $WASMSHIM_CACHE_DIR (the shim option cache_dir,
  // which `start` exports) or the default; unusable, it only costs a warning in the shim log.
  engine::EngineOptions options;
  options.cache.enabled = true;
  absl::StatusOr<std::shared_ptr<const engine::CompiledModule>> module =
      engine::Engine(options).load(std::move(*bytes));
  if (!module.ok()) return module_error(module.status(), g->path_);
  g->module_ = std::move(*module);
  if (!exports_start(*g->module_->module)) {
    return absl::InvalidArgumentError(
        absl::StrCat(g->path_, ": not a WASI command: it exports no _start function"));
  }
  g->store_ = std::make_unique<engine::Store>();
  engine::wasi::WasiConfig config;
  config.args = process.args;
  config.env = process.env;
  // Reopened through the descriptor: no search permission on the bundle's path is needed once
  // the process runs as the spec's user, and the path cannot be swapped meanwhile.
  config.dirs.push_back({"/", fd_path(root.fd.get()), false, engine::wasi::ResolveMode::kInRoot});
  absl::StatusOr<std::unique_ptr<GuestHost>> host = link_guest_host(config, *g->store_, g->linker_);
  if (!host.ok()) {
    return absl::Status(host.status().code(),
                        absl::StrCat("WASI for ", g->path_, ": ", host.status().message()));
  }
  g->host_ = std::move(*host);
  if (absl::StatusOr<std::vector<engine::Extern>> imports = g->linker_.resolve(*g->module_->module);
      !imports.ok()) {
    return module_error(imports.status(), g->path_);
  }
  return g;
}

int Guest::run(const std::atomic<int>& interrupted_by) {
  absl::StatusOr<engine::Instance*> instance = engine::instantiate(*store_, *module_, linker_);
  absl::StatusOr<engine::Outcome> out =
      instance.ok() ? engine::call_export(*store_, **instance, "_start", {}) : instance.status();
  if (int sig = interrupted_by.load(); sig != 0) {
    bool stopped =
        !out.ok() || (out->trapped() && out->trap.code == engine::TrapCode::kInterrupted);
    if (stopped) return 128 + sig;
  }
  if (!out.ok()) {
    report(absl::StrCat(path_, ": ",
                        instance.ok() ? "" : "instantiation failed: ", out.status().message()));
    return kTrapExit;
  }
  switch (out->kind) {
    case engine::Outcome::Kind::kReturned:
      return 0;
    case engine::Outcome::Kind::kExited:
      return out->exit_code;
    case engine::Outcome::Kind::kTrapped:
      break;
  }
  report(absl::StrCat(path_, ": wasm trap: ", out->trap.to_string()));
  return kTrapExit;
}

}  // namespace ws::shim
