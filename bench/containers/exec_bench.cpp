// What one exec of a program costs (spawn to exit reaped), interleaved over several programs.
//
// usage: ws_exec_bench [-n RUNS] -- PROG [ARG...] [-- PROG [ARG...]]...
// Runs each command RUNS times, round-robin (so load changes hit all alike), stdout and stderr
// to /dev/null, and prints per command the median, p10 and p90 wall time in microseconds and
// the median ratio to the first command. A benchmark that prints figures, never a test.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

double now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// One spawn and reap; -1 when the program could not be spawned or did not exit with 0.
double run_once(const std::vector<char*>& argv, posix_spawn_file_actions_t* actions) {
  double start = now_us();
  pid_t pid;
  if (posix_spawn(&pid, argv[0], actions, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return now_us() - start;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 200;
  std::vector<std::vector<char*>> commands;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--") == 0) {
      commands.emplace_back();
    } else if (!commands.empty()) {
      commands.back().push_back(argv[i]);
    } else {
      std::fprintf(stderr, "usage: %s [-n RUNS] -- PROG [ARG...] [-- PROG [ARG...]]...\n", argv[0]);
      return 2;
    }
  }
  std::erase_if(commands, [](const std::vector<char*>& c) { return c.empty(); });
  if (commands.empty()) {
    std::fprintf(stderr, "usage: %s [-n RUNS] -- PROG [ARG...] [-- PROG [ARG...]]...\n", argv[0]);
    return 2;
  }
  for (auto& c : commands) c.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<std::vector<double>> times(commands.size());
  for (size_t c = 0; c < commands.size(); ++c) run_once(commands[c], &actions);  // warm caches
  for (int r = 0; r < runs; ++r) {
    for (size_t c = 0; c < commands.size(); ++c) {
      double t = run_once(commands[c], &actions);
      if (t < 0) {
        std::fprintf(stderr, "%s: failed to run or exited non-zero\n", commands[c][0]);
        return 1;
      }
      times[c].push_back(t);
    }
  }
  double base = percentile(times[0], 0.5);
  std::printf("%-12s %10s %10s %10s %8s  command\n", "runs", "median_us", "p10_us", "p90_us",
              "ratio");
  for (size_t c = 0; c < commands.size(); ++c) {
    std::string line;
    for (char** a = commands[c].data(); *a; ++a) line += std::string(*a) + " ";
    double med = percentile(times[c], 0.5);
    std::printf("%-12d %10.0f %10.0f %10.0f %8.2f  %s\n", runs, med, percentile(times[c], 0.1),
                percentile(times[c], 0.9), med / base, line.c_str());
  }
  return 0;
}
