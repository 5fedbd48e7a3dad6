// wasmc: compile a WebAssembly module ahead of time into an artifact, or check one.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/aot.h"
#include "engine/decode/decoder.h"
#include "support/file.h"
#include "tools/wasmc/options.h"

namespace ws::tools::wasmc {
namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "wasmc: %s\n", message.c_str());
  return kExitFailure;
}

// Writes `bytes` to `path` through a temporary file in the same directory and rename().
absl::Status write_atomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", tmp));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == bytes.size() && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

int compile(const Options& o) {
  auto t0 = std::chrono::steady_clock::now();
  absl::StatusOr<std::vector<uint8_t>> bytes = support::read_file(o.input);
  if (!bytes.ok()) return fail(std::string(bytes.status().message()));
  engine::aot::Key key = engine::aot::make_key(*bytes, o.opt_level);
  size_t module_size = bytes->size();
  absl::StatusOr<engine::Module> m =
      engine::decode_module(std::move(*bytes), engine::Features{}, engine::BodyCheck::kDeferred);
  if (!m.ok()) return fail(absl::StrCat(o.input, ": ", m.status().message()));
  absl::StatusOr<engine::ModuleInfo> info = engine::validate_module(*m);
  if (!info.ok()) return fail(absl::StrCat(o.input, ": ", info.status().message()));
  absl::StatusOr<std::vector<uint8_t>> artifact =
      engine::aot::compile_artifact(*m, *info, key, o.threads);
  if (!artifact.ok()) return fail(absl::StrCat(o.input, ": ", artifact.status().message()));
  if (absl::Status s = write_atomically(o.output, *artifact); !s.ok()) {
    return fail(std::string(s.message()));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s: %zu functions, %zu bytes of module -> %zu bytes of artifact (-O%d) in %.2f s\n",
              o.output.c_str(), m->codes.size(), module_size, artifact->size(), o.opt_level,
              seconds);
  return 0;
}

// One line on stdout: "ARTIFACT: ok ..." or "ARTIFACT: REASON"; exit 0 only for ok.
int check(const Options& o) {
  const std::string& path = *o.check;
  auto verdict = [&](bool ok, const std::string& why) {
    std::printf("%s: %s\n", path.c_str(), why.c_str());
    return ok ? 0 : kExitFailure;
  };
  absl::StatusOr<std::vector<uint8_t>> bytes = support::read_file(path);
  if (!bytes.ok()) return verdict(false, std::string(bytes.status().message()));
  if (absl::Status s = engine::aot::verify_artifact(*bytes); !s.ok()) {
    return verdict(false, absl::StrCat("corrupt: ", s.message()));
  }
  absl::StatusOr<engine::aot::Key> key = engine::aot::read_key(*bytes);
  if (!key.ok()) return verdict(false, std::string(key.status().message()));
  engine::aot::Key here = engine::aot::make_key({}, key->opt_level);
  if (key->engine_build != here.engine_build) {
    return verdict(false, absl::StrCat("made by engine build ", key->engine_build,
                                       ", this is build ", here.engine_build));
  }
  if (key->cpu_features != here.cpu_features) {
    return verdict(false, "made for another CPU (its features differ from this machine's)");
  }
  if (o.input.empty()) {
    return verdict(
        true, absl::StrCat("ok: intact, for this engine build and CPU (-O", key->opt_level, ")"));
  }
  absl::StatusOr<std::vector<uint8_t>> module = support::read_file(o.input);
  if (!module.ok()) return verdict(false, std::string(module.status().message()));
  if (engine::aot::make_key(*module, key->opt_level).module_sha256 != key->module_sha256) {
    return verdict(false, absl::StrCat("compiled from another module than ", o.input));
  }
  return verdict(true, absl::StrCat("ok: intact, for this engine build and CPU, compiled from ",
                                    o.input, " (-O", key->opt_level, ")"));
}

}  // namespace
}  // namespace ws::tools::wasmc

int main(int argc, char** argv) {
  using namespace ws::tools::wasmc;
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<Options> o = parse_options(args);
  if (!o.ok()) return fail(std::string(o.status().message()));
  if (o->help) {
    std::fputs(usage_text().c_str(), stdout);
    return 0;
  }
  if (o->version) {
    std::fputs(version_text().c_str(), stdout);
    return 0;
  }
  return o->check ? check(*o) : compile(*o);
}
