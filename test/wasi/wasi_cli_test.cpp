// Runs every WASI guest case through the wasmrun binary and checks stdout, stderr, exit status
// and that nothing outside the sandbox changed.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "test/wasi/wasi_cases.h"

namespace ws::testing {
namespace {

struct ProcessResult {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
};

// Runs `argv` with stdin/stdout/stderr redirected to files in `dir`; kills it after 120 s.
ProcessResult spawn(const std::vector<std::string>& argv, const CaseDir& dir,
                    const std::string& input) {
  std::string in_path = dir.write_file("stdin.txt", input);
  std::string out_path = dir.path() + "/stdout.txt", err_path = dir.path() + "/stderr.txt";
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ProcessResult run;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_text(out_path);
  run.err = read_text(err_path);
  return run;
}

std::vector<WasiCase> all_cases() {
  auto cases = load_wasi_cases(WS_WASI_CASES_DIR);
  if (!cases.ok()) {
    ADD_FAILURE() << cases.status();
    return {};
  }
  return *cases;
}

class WasmrunCase : public ::testing::TestWithParam<WasiCase> {};

TEST_P(WasmrunCase, OutputAndExitStatus) {
  const WasiCase& c = GetParam();
  CaseDir dir;
  dir.wasm_dir = WS_WASI_WASM_DIR;
  std::vector<std::string> argv = {WS_WASMRUN};
  for (const std::string& o : dir.expand(c.options)) argv.push_back(o);
  argv.push_back(c.module_file.empty() ? std::string(WS_WASI_WASM_DIR) + "/" + c.module + ".wasm"
                                       : dir.expand(c.module_file));
  for (const std::string& a : dir.expand(c.args)) argv.push_back(a);

  std::unique_ptr<TcpClient> client;
  if (!c.client_send.empty()) client = std::make_unique<TcpClient>(dir.port, c.client_send);
  ProcessResult run = spawn(argv, dir, c.stdin_text);
  if (client) {
    EXPECT_EQ(client->join(), c.client_expect);
  }

  EXPECT_EQ(run.out, c.expected_stdout);
  EXPECT_EQ(match_stderr(run.err, c.expected_stderr, c.runner_stderr), "") << run.err;
  EXPECT_EQ(run.status, c.expected_exit) << run.err;
  EXPECT_TRUE(dir.outside_untouched());
}

INSTANTIATE_TEST_SUITE_P(Cases, WasmrunCase, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ws::testing
