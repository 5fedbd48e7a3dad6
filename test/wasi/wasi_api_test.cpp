// Runs the WASI guest cases through the engine API (Engine, Store, WasiContext, Linker) without
// the runner: same fixture, same expected output.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "engine/wasi/resolver.h"
#include "engine/wasi/wasi.h"
#include "test/wasi/wasi_cases.h"
#include "tools/wasmrun/options.h"

namespace ws::testing {
namespace {

namespace wasi = engine::wasi;

int listen_on(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  EXPECT_EQ(listen(fd, 8), 0);
  return fd;
}

// The WasiConfig the case's wasmrun options describe, built here directly.
wasi::WasiConfig config_for(const tools::RunOptions& o, const std::string& module,
                            std::vector<int>& sockets, int port) {
  wasi::WasiConfig config;
  config.args.push_back(module);
  config.args.insert(config.args.end(), o.guest_args.begin(), o.guest_args.end());
  config.env = o.env;
  for (const tools::DirGrant& d : o.dirs) {
    config.dirs.push_back({d.guest_path, d.host_path, d.read_only, wasi::ResolveMode::kBeneath});
  }
  for (size_t i = 0; i < o.listen.size(); ++i) sockets.push_back(listen_on(port));
  config.listen_sockets = sockets;
  return config;
}

std::vector<WasiCase> api_cases() {
  auto cases = load_wasi_cases(WS_WASI_CASES_DIR);
  if (!cases.ok()) {
    ADD_FAILURE() << cases.status();
    return {};
  }
  std::vector<WasiCase> out;
  for (WasiCase& c : *cases) {
    if (!c.cli_only) out.push_back(std::move(c));
  }
  return out;
}

// Runs `c` in this process and checks everything the case expects.
void run_case(const WasiCase& c) {
  CaseDir dir;
  std::string module = std::string(WS_WASI_WASM_DIR) + "/" + c.module + ".wasm";
  std::vector<std::string> argv = dir.expand(c.options);
  argv.push_back(module);
  for (const std::string& a : dir.expand(c.args)) argv.push_back(a);
  auto options = tools::parse_options(argv);
  ASSERT_TRUE(options.ok()) << options.status();

  int in = open(dir.write_file("stdin.txt", c.stdin_text).c_str(), O_RDONLY | O_CLOEXEC);
  std::string out_path = dir.path() + "/stdout.txt", err_path = dir.path() + "/stderr.txt";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::vector<int> sockets;
  wasi::WasiConfig config = config_for(*options, module, sockets, dir.port);
  config.stdin_fd = in;
  config.stdout_fd = out;
  config.stderr_fd = err;

  engine::Engine engine;
  auto compiled = engine.load_file(module);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  engine::Store store;
  auto ctx = wasi::WasiContext::create(config);
  for (int fd : {in, out, err}) close(fd);
  for (int fd : sockets) close(fd);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  engine::Linker linker;
  (*ctx)->define(store, linker);
  auto instance = engine::instantiate(store, **compiled, linker);
  ASSERT_TRUE(instance.ok()) << instance.status();

  std::unique_ptr<TcpClient> client;
  if (!c.client_send.empty()) client = std::make_unique<TcpClient>(dir.port, c.client_send);
  auto outcome = engine::run_command(store, **instance);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  if (client) {
    EXPECT_EQ(client->join(), c.client_expect);
  }

  if (c.expected_exit == 134) {
    ASSERT_TRUE(outcome->trapped());
    EXPECT_EQ(outcome->trap.message, c.trap);
  } else if (outcome->trapped()) {
    ADD_FAILURE() << "trapped: " << outcome->trap.to_string();
  } else {
    EXPECT_EQ(outcome->exited() ? outcome->exit_code : 0, c.expected_exit);
  }
  EXPECT_EQ(read_text(out_path), c.expected_stdout);
  EXPECT_EQ(read_text(err_path), c.expected_stderr);
  EXPECT_TRUE(dir.outside_untouched());
}

class EngineApiCase : public ::testing::TestWithParam<WasiCase> {};

TEST_P(EngineApiCase, OutputAndOutcome) { run_case(GetParam()); }

INSTANTIATE_TEST_SUITE_P(Cases, EngineApiCase, ::testing::ValuesIn(api_cases()),
                         [](const auto& info) { return info.param.name; });

// The same cases with engine/wasi's fallback sandbox (the component walk used where openat2 is
// missing or refused): the hostile programs must fail the same way.
class EngineApiWalkCase : public ::testing::TestWithParam<WasiCase> {
 protected:
  void SetUp() override { wasi::set_resolve_backend(wasi::ResolveBackend::kWalk); }
  void TearDown() override { wasi::set_resolve_backend(wasi::ResolveBackend::kAuto); }
};

TEST_P(EngineApiWalkCase, OutputAndOutcome) {
  ASSERT_EQ(wasi::resolve_backend(), wasi::ResolveBackend::kWalk);
  run_case(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cases, EngineApiWalkCase, ::testing::ValuesIn(api_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ws::testing
