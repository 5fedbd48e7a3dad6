// End-to-end: C programs compiled for wasm32-wasi run through the engine with a WasiContext;
// the tests check their stdout, stderr, exit code and effects on the host file system.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "engine/engine.h"
#include "engine/wasi/resolver.h"
#include "engine/wasi/test_util.h"
#include "engine/wasi/wasi.h"

namespace ws::engine::wasi {
namespace {

using testing::TempDir;

struct RunResult {
  Outcome outcome;
  std::string out, err;
};

// Loads guest `name`, runs its _start with `config` (stdout and stderr go to temp files).
RunResult run_guest(const std::string& name, WasiConfig config) {
  RunResult r;
  FILE* out = tmpfile();
  FILE* err = tmpfile();
  config.stdin_fd = -1;
  config.stdout_fd = fileno(out);
  config.stderr_fd = fileno(err);
  Engine engine;
  auto cm = engine.load_file(std::string(WS_WASI_GUEST_DIR) + "/ws_wasi_guest_" + name + ".wasm");
  EXPECT_TRUE(cm.ok()) << cm.status();
  auto ctx = WasiContext::create(config);
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  if (cm.ok() && ctx.ok()) {
    Store store;
    Linker linker;
    (*ctx)->define(store, linker);
    auto inst = instantiate(store, **cm, linker);
    EXPECT_TRUE(inst.ok()) << inst.status();
    if (inst.ok()) {
      auto o = run_command(store, **inst);
      EXPECT_TRUE(o.ok()) << o.status();
      if (o.ok()) r.outcome = *o;
    }
  }
  r.out = testing::read_fd(fileno(out));
  r.err = testing::read_fd(fileno(err));
  fclose(out);
  fclose(err);
  return r;
}

WasiConfig config(std::vector<std::string> args, std::vector<std::string> env = {},
                  std::vector<PreopenDir> dirs = {}) {
  WasiConfig c;
  c.args = std::move(args);
  c.env = std::move(env);
  c.dirs = std::move(dirs);
  return c;
}

// Every end-to-end test runs with both resolver backends.
class WasiRun : public ::testing::TestWithParam<ResolveBackend> {
 protected:
  void SetUp() override { set_resolve_backend(GetParam()); }
  void TearDown() override { set_resolve_backend(ResolveBackend::kAuto); }
};

TEST_P(WasiRun, HelloWritesStdoutAndStderr) {
  RunResult r = run_guest("hello", config({"hello"}));
  EXPECT_TRUE(r.outcome.exited());
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_EQ(r.out, "hello from wasi\n");
  EXPECT_EQ(r.err, "to stderr\n");
}

TEST_P(WasiRun, ArgsAndEnvironment) {
  RunResult r = run_guest("args_env", config({"prog", "one", "two words"}, {"GREETING=hi", "X="}));
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_EQ(r.out,
            "argc=3\nargv[0]=prog\nargv[1]=one\nargv[2]=two words\n"
            "env GREETING=hi\nenv X=\nGREETING=hi\n");
}

TEST_P(WasiRun, FilesInPreopensAndReadOnlyDenials) {
  TempDir data, ro;
  testing::write_file(ro / "existing.txt", "ro content");
  RunResult r = run_guest("files", config({"files"}, {},
                                          {{"/data", data.path(), false, ResolveMode::kBeneath},
                                           {"/ro", ro.path(), true, ResolveMode::kBeneath}}));
  EXPECT_EQ(r.outcome.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "read 23: first line\nsecond line\n"
            "size 23\n"
            "ls /data/sub: . .. a.txt b.txt\n"
            "ls /data/sub: . .. a.txt c.txt\n"
            "ls /ro: . .. existing.txt\n"
            "ro create: -1 errno 76\n"
            "ro open for write: -1 errno 76\n"
            "ro unlink: -1 errno 76\n"
            "ro mkdir: -1 errno 76\n"
            "ro read: ro content\n");
  EXPECT_EQ(testing::read_file(data / "sub/a.txt"), "first line\nsecond line\n");
  EXPECT_TRUE(testing::exists(data / "sub/c.txt"));
  EXPECT_FALSE(testing::exists(ro / "new.txt"));
  EXPECT_FALSE(testing::exists(ro / "d"));
  EXPECT_EQ(testing::read_file(ro / "existing.txt"), "ro content");
}

TEST_P(WasiRun, ProcExitEndsTheRunWithItsCode) {
  RunResult r = run_guest("proc_exit", config({"proc_exit", "42"}));
  EXPECT_TRUE(r.outcome.exited());
  EXPECT_EQ(r.outcome.exit_code, 42);
  EXPECT_EQ(r.out, "exiting with 42\n");
  r = run_guest("proc_exit", config({"proc_exit", "0"}));
  EXPECT_TRUE(r.outcome.exited());
  EXPECT_EQ(r.outcome.exit_code, 0);
}

TEST_P(WasiRun, EscapesAreNotCapable) {
  TempDir top;
  mkdir((top / "sandbox").c_str(), 0755);
  mkdir((top / "secret").c_str(), 0755);
  testing::write_file(top / "sandbox/inside.txt", "in");
  testing::write_file(top / "secret/data.txt", "secret");
  symlink("../secret", (top / "sandbox/link").c_str());
  symlink("/", (top / "sandbox/abs").c_str());
  RunResult r = run_guest(
      "escape",
      config({"escape"}, {}, {{"/sandbox", top / "sandbox", false, ResolveMode::kBeneath}}));
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_EQ(r.out,
            "/sandbox/inside.txt: OPENED 4\n"
            "/sandbox/../secret/data.txt: errno 76\n"
            "/sandbox/link/data.txt: errno 76\n"
            "/sandbox/abs/etc/passwd: errno 76\n"
            "/etc/passwd: errno 76\n"  // wasi-libc itself: no preopen holds /etc
            "raw ../secret/data.txt: 76\n"
            "raw /etc/passwd: 76\n"
            "raw link/data.txt: 76\n");
}

TEST_P(WasiRun, InRootPreopenIsTheGuestsRoot) {
  TempDir root;
  mkdir((root / "etc").c_str(), 0755);
  mkdir((root / "usr").c_str(), 0755);
  mkdir((root / "usr/lib").c_str(), 0755);
  testing::write_file(root / "usr/lib/os-release", "ID=inside\n");
  symlink("/usr/lib/os-release", (root / "etc/os-release").c_str());
  RunResult r = run_guest(
      "in_root", config({"in_root"}, {}, {{"/", root.path(), true, ResolveMode::kInRoot}}));
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_EQ(r.out,
            "/etc/os-release: 10 ID=inside\n"
            "/../../../etc/os-release: 10 ID=inside\n"
            "/usr/lib/../../etc/os-release: 10 ID=inside\n");
}

TEST(WasiRunCommand, MissingStartIsNotFound) {
  Engine engine;
  auto cm = engine.load({0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00});
  ASSERT_TRUE(cm.ok()) << cm.status();
  Store store;
  Linker linker;
  auto inst = instantiate(store, **cm, linker);
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(run_command(store, **inst).status().code(), absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, WasiRun,
                         ::testing::Values(ResolveBackend::kOpenat2, ResolveBackend::kWalk),
                         [](const auto& info) {
                           return info.param == ResolveBackend::kWalk ? "walk" : "openat2";
                         });

}  // namespace
}  // namespace ws::engine::wasi
