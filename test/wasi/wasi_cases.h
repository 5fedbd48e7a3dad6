// The WASI guest test cases (cases.json plus expected files beside the C programs) and what
// every way of running them shares: the host fixture, placeholders, the socket client and
// output matching.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::testing {

struct WasiCase {
  std::string name;
  std::string module;                // module stem (default: name)
  std::string module_file;           // explicit path (with placeholders) instead of the module
  std::vector<std::string> options;  // wasmrun options, with placeholders
  std::vector<std::string> args;     // guest arguments (or --invoke arguments)
  std::string stdin_text;
  std::string expected_stdout;  // <module or name>.stdout; empty when absent
  std::string expected_stderr;  // the guest's own stderr (<name>.stderr)
  int expected_exit = 0;
  std::string trap;                        // expected trap message (exit 134)
  std::vector<std::string> runner_stderr;  // wasmrun's lines after the guest's (globs, "...")
  std::string client_send;                 // host-side TCP client ({port})
  std::string client_expect;
  bool cli_only = false;  // exercises wasmrun itself, not WASI
};

// gtest prints a case by its name.
inline void PrintTo(const WasiCase& c, std::ostream* os) { *os << c.name; }

// Reads `dir`/cases.json and each case's expected files from `dir`.
absl::StatusOr<std::vector<WasiCase>> load_wasi_cases(const std::string& dir);

// A fresh temporary directory with the host-side fixture every case may use:
//   {tmp}/sandbox   hello.txt, sub/inner.txt and symlinks: escape_abs -> /, escape_etc ->
//                   /etc/passwd, escape_rel -> ../outside, escape_file -> ../outside/secret.txt,
//                   chain1 -> chain2 -> sub/../chain3 -> ../outside/secret.txt, proc_root ->
//                   /proc/self/root, proc_fd -> /proc/self/fd, inside_link -> sub/inner.txt,
//                   loop -> loop
//   {tmp}/outside   secret.txt (must stay unreachable)
//   {tmp}/readonly  ro.txt (granted read-only)
// Removed with everything in it on destruction.
class CaseDir {
 public:
  CaseDir();
  ~CaseDir();
  CaseDir(const CaseDir&) = delete;
  CaseDir& operator=(const CaseDir&) = delete;

  const std::string& path() const { return path_; }
  // Replaces {tmp}, {sandbox}, {readonly}, {port} and {wasm_dir}.
  std::string expand(const std::string& text) const;
  std::vector<std::string> expand(const std::vector<std::string>& texts) const;
  // Writes `text` to a file in the case dir and returns its path.
  std::string write_file(const std::string& name, const std::string& text) const;
  // True when outside/ and readonly/ hold exactly their one original file, unchanged.
  bool outside_untouched() const;

  int port = 0;          // a free TCP port picked for {port}
  std::string wasm_dir;  // for {wasm_dir}

 private:
  std::string path_;
};

// Connects to 127.0.0.1:port (retrying until the guest listens), sends `send`, shuts down its
// side and reads until EOF. join() returns what it read, or an error.
class TcpClient {
 public:
  TcpClient(int port, std::string send);
  ~TcpClient();
  std::string join();

 private:
  void run(int port);
  std::string send_;
  std::string received_;
  std::thread thread_;
};

// Matches actual stderr: first exactly `guest` (the guest's own output), then the rest line by
// line against `patterns` ('*' matches any run of characters; a pattern "..." matches all
// remaining lines). Returns an empty string on success, else what differed.
std::string match_stderr(const std::string& actual, const std::string& guest,
                         const std::vector<std::string>& patterns);

bool glob_match(const std::string& pattern, const std::string& text);

std::string read_text(const std::string& path);

}  // namespace ws::testing
