// WASI guest cases: the manifest, the host fixture, the TCP client and stderr matching.
#include "test/wasi/wasi_cases.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace ws::testing {
namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

std::string read_optional(const std::string& path) {
  return fs::exists(path) ? read_text(path) : std::string();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key)) {
    for (const auto& v : j.at(key)) out.push_back(v.get<std::string>());
  }
  return out;
}

WasiCase case_from_json(const nlohmann::json& j, const std::string& dir) {
  WasiCase c;
  c.name = j.at("name").get<std::string>();
  c.module = j.value("module", c.name);
  c.module_file = j.value("module_file", "");
  c.options = strings(j, "options");
  c.args = strings(j, "args");
  c.stdin_text = j.value("stdin", "");
  c.expected_exit = j.value("exit", 0);
  c.trap = j.value("trap", "");
  c.runner_stderr = strings(j, "runner_stderr");
  c.cli_only = j.value("cli_only", false);
  if (j.contains("client")) {
    c.client_send = j["client"].at("send").get<std::string>();
    c.client_expect = j["client"].at("expect").get<std::string>();
  }
  std::string base = absl::StrCat(dir, "/expected/", c.name);
  c.expected_stdout = read_optional(base + ".stdout");
  c.expected_stderr = read_optional(base + ".stderr");
  return c;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
    port = ntohs(sa.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

absl::StatusOr<std::vector<WasiCase>> load_wasi_cases(const std::string& dir) {
  std::string path = dir + "/cases.json";
  std::vector<WasiCase> out;
  try {
    nlohmann::json j = nlohmann::json::parse(read_text(path));
    for (const auto& c : j) out.push_back(case_from_json(c, dir));
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  return out;
}

CaseDir::CaseDir() {
  std::string tmpl = (fs::temp_directory_path() / "ws-wasi-XXXXXX").string();
  path_ = mkdtemp(tmpl.data()) ? tmpl : std::string();
  fs::path root(path_);
  fs::create_directories(root / "sandbox" / "sub");
  fs::create_directories(root / "outside");
  fs::create_directories(root / "readonly");
  write_text(root / "sandbox" / "hello.txt", "hello, sandbox\n");
  write_text(root / "sandbox" / "sub" / "inner.txt", "inner\n");
  write_text(root / "outside" / "secret.txt", "secret\n");
  write_text(root / "readonly" / "ro.txt", "read only\n");
  const std::pair<const char*, const char*> links[] = {
      {"escape_abs", "/"},
      {"escape_etc", "/etc/passwd"},
      {"escape_rel", "../outside"},
      {"escape_file", "../outside/secret.txt"},
      {"chain1", "chain2"},
      {"chain2", "sub/../chain3"},
      {"chain3", "../outside/secret.txt"},
      {"proc_root", "/proc/self/root"},
      {"proc_fd", "/proc/self/fd"},
      {"inside_link", "sub/inner.txt"},
      {"to_readonly", "../readonly/ro.txt"},
      {"loop", "loop"},
  };
  for (const auto& [name, target] : links) fs::create_symlink(target, root / "sandbox" / name);
  port = free_port();
}

CaseDir::~CaseDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

std::string CaseDir::expand(const std::string& text) const {
  return absl::StrReplaceAll(text, {{"{tmp}", path_},
                                    {"{sandbox}", path_ + "/sandbox"},
                                    {"{readonly}", path_ + "/readonly"},
                                    {"{port}", std::to_string(port)},
                                    {"{wasm_dir}", wasm_dir}});
}

std::vector<std::string> CaseDir::expand(const std::vector<std::string>& texts) const {
  std::vector<std::string> out;
  for (const std::string& t : texts) out.push_back(expand(t));
  return out;
}

std::string CaseDir::write_file(const std::string& name, const std::string& text) const {
  std::string p = path_ + "/" + name;
  write_text(p, text);
  return p;
}

namespace {

// True when `dir` holds exactly one entry, `name`, with `content`.
bool holds_only(const fs::path& dir, const char* name, const char* content) {
  size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++entries;
  }
  return entries == 1 && read_text((dir / name).string()) == content;
}

}  // namespace

bool CaseDir::outside_untouched() const {
  fs::path root(path_);
  return holds_only(root / "outside", "secret.txt", "secret\n") &&
         holds_only(root / "readonly", "ro.txt", "read only\n");
}

TcpClient::TcpClient(int port, std::string send) : send_(std::move(send)) {
  thread_ = std::thread([this, port] { run(port); });
}

TcpClient::~TcpClient() {
  if (thread_.joinable()) thread_.join();
}

std::string TcpClient::join() {
  if (thread_.joinable()) thread_.join();
  return received_;
}

void TcpClient::run(int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<uint16_t>(port));
  int fd = -1;
  for (int attempt = 0; attempt < 600; ++attempt) {  // up to 30 s: the module compiles first
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) break;
    close(fd);
    fd = -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (fd < 0) {
    received_ = "<client: could not connect>";
    return;
  }
  if (write(fd, send_.data(), send_.size()) != static_cast<ssize_t>(send_.size())) {
    received_ = "<client: short write>";
  }
  shutdown(fd, SHUT_WR);
  char buf[256];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) received_.append(buf, n);
  close(fd);
}

bool glob_match(const std::string& pattern, const std::string& text) {
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string match_stderr(const std::string& actual, const std::string& guest,
                         const std::vector<std::string>& patterns) {
  if (actual.compare(0, guest.size(), guest) != 0) {
    return absl::StrCat("guest stderr differs; expected it to start with:\n", guest);
  }
  std::string rest = actual.substr(guest.size());
  std::vector<std::string> lines = absl::StrSplit(rest, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t i = 0;
  for (const std::string& p : patterns) {
    if (p == "...") return "";
    if (i >= lines.size()) return absl::StrCat("missing a line matching: ", p);
    if (!glob_match(p, lines[i])) {
      return absl::StrCat("line \"", lines[i], "\" does not match \"", p, "\"");
    }
    ++i;
  }
  if (i < lines.size()) return absl::StrCat("unexpected line: ", lines[i]);
  return "";
}

}  // namespace ws::testing
