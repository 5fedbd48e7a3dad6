// Whole-process start-up of wasmrun with the code cache: cold (empty cache) with the whole
// artifact compiled first (--tier eager) and with the default miss policy (large modules run
// lazily while a background process fills the cache; the fill's duration after the run's exit
// is printed too) vs warm (map the stored artifact) vs no cache (JIT in memory), for a small module
// and a real program's short session. Prints figures; never a test.
//
// usage: ws_cache_startup_bench WASMRUN HELLO.wasm [SQLITE3.wasm] [--runs N] [--cold-runs N]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Workload {
  std::string name;
  std::vector<std::string> args;  // after wasmrun and its cache options
  std::string stdin_path;         // empty: /dev/null
};

// Runs `argv` with stdin from `in` and stdout/stderr discarded; wall seconds, or -1 on failure.
double run_once(const std::vector<std::string>& argv, const std::string& in) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  int err = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

struct Stats {
  double median = 0, min = 0, max = 0;
  int failures = 0;
};

Stats stats(std::vector<double> v, int failures) {
  Stats s;
  s.failures = failures;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  return s;
}

std::vector<std::string> command(const std::string& wasmrun, const std::vector<std::string>& cache,
                                 const Workload& w) {
  std::vector<std::string> out = {wasmrun};
  out.insert(out.end(), cache.begin(), cache.end());
  out.insert(out.end(), w.args.begin(), w.args.end());
  return out;
}

// `runs` runs; when `fresh_dir` each starts from an empty cache directory.
Stats measure(const std::string& wasmrun, const std::vector<std::string>& cache_args,
              const std::string& dir, bool fresh_dir, const Workload& w, int runs) {
  std::vector<double> times;
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    if (fresh_dir) std::filesystem::remove_all(dir);
    double t = run_once(command(wasmrun, cache_args, w), w.stdin_path);
    if (t < 0) {
      failures++;
    } else {
      times.push_back(t);
    }
  }
  return stats(times, failures);
}

// Whether `dir` holds an artifact (a file whose name is not hidden: not a lock or temp file).
bool has_artifact(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename().string()[0] != '.') return true;
  }
  return false;
}

// Cold runs with the default miss policy: each from an empty cache, then waits until the
// background fill has stored the artifact (at most 1200 s); `fill` gets the seconds from the
// run's exit to the artifact's arrival.
Stats measure_cold_fill(const std::string& wasmrun, const std::vector<std::string>& cache_args,
                        const std::string& dir, const Workload& w, int runs, Stats& fill) {
  std::vector<double> times, fills;
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    std::filesystem::remove_all(dir);
    double t = run_once(command(wasmrun, cache_args, w), w.stdin_path);
    auto t0 = std::chrono::steady_clock::now();
    auto waited = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    while (!has_artifact(dir) && waited() < 1200) usleep(10000);
    if (t < 0 || !has_artifact(dir)) {
      failures++;
    } else {
      times.push_back(t);
      fills.push_back(waited());
    }
  }
  fill = stats(fills, 0);
  return stats(times, failures);
}

void print_row(const std::string& workload, const std::string& mode, int runs, const Stats& s) {
  std::printf("%-16s %-30s %5d %10.2f %10.2f %10.2f %s\n", workload.c_str(), mode.c_str(), runs,
              s.median * 1e3, s.min * 1e3, s.max * 1e3,
              s.failures ? (std::to_string(s.failures) + " FAILED").c_str() : "");
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // rows as they are measured
  std::vector<std::string> pos;
  int runs = 21, cold_runs = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--cold-runs" && i + 1 < argc) {
      cold_runs = std::max(1, std::atoi(argv[++i]));
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() < 2) {
    std::fprintf(stderr, "usage: %s WASMRUN HELLO.wasm [SQLITE3.wasm] [--runs N] [--cold-runs N]\n",
                 argv[0]);
    return 2;
  }
  std::string base =
      std::filesystem::temp_directory_path() / ("ws-cache-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(base);
  std::string dir = base + "/cache";
  std::vector<Workload> loads = {{"hello", {pos[1]}, ""}};
  if (pos.size() > 2) {
    // A short session: create, fill and query a table in an in-memory database.
    std::string sql = base + "/session.sql";
    std::ofstream(sql) << "create table t(a integer, b text);\n"
                          "insert into t values (1,'one'),(2,'two'),(3,'three');\n"
                          "select count(*), sum(a), group_concat(b) from t;\n";
    loads.push_back({"sqlite3-session", {pos[2], ":memory:"}, sql});
  }
  std::vector<std::string> cached = {"--cache-dir", dir};
  std::printf("whole-process wall time of %s, milliseconds\n", pos[0].c_str());
  std::printf("%-16s %-30s %5s %10s %10s %10s\n", "workload", "mode", "runs", "median", "min",
              "max");
  // The floor: the same process start-up (dynamic linking, C++ runtime) running no module.
  Stats floor = measure(pos[0], {}, dir, false, {"version", {"--version"}, ""}, runs);
  print_row("(none)", "wasmrun --version", runs, floor);
  for (const Workload& w : loads) {
    std::vector<std::string> eager = cached;
    eager.push_back("--tier=eager");
    Stats cold = measure(pos[0], eager, dir, true, w, cold_runs);
    print_row(w.name, "cold, --tier eager (artifact 1st)", cold_runs, cold);
    Stats fill;
    Stats cold_fill = measure_cold_fill(pos[0], cached, dir, w, cold_runs, fill);
    print_row(w.name, "cold, default miss policy", cold_runs, cold_fill);
    print_row(w.name, "  then background fill (after exit)", cold_runs, fill);
    Stats warm = measure(pos[0], cached, dir, false, w, runs);
    print_row(w.name, "warm (artifact in the cache)", runs, warm);
    Stats jit = measure(pos[0], {"--no-cache"}, dir, false, w, cold_runs);
    print_row(w.name, "--no-cache (JIT in memory)", cold_runs, jit);
    if (w.name == "hello") {
      std::printf("%-16s hello warm median %.2f ms: %s the 5 ms goal\n", "", warm.median * 1e3,
                  warm.median <= 0.005 ? "meets" : "misses");
    }
  }
  std::filesystem::remove_all(base);
  return 0;
}
