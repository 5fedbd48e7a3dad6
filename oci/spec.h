// The subset of the OCI runtime spec (config.json) that a Wasm shim acts on, as plain structs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::oci {

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  std::vector<std::string> args;
  std::vector<std::string> env;  // "KEY=VALUE"
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<Rlimit> rlimits;
  std::optional<int> oom_score_adj;  // process.oomScoreAdj, -1000..1000
};

struct Root {
  std::string path = "rootfs";  // relative to the bundle unless absolute
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;  // seconds
};

struct Hooks {
  std::vector<Hook> prestart;  // deprecated by the spec, still what Docker's networking uses
  std::vector<Hook> create_runtime;
  std::vector<Hook> create_container;
  std::vector<Hook> start_container;
  std::vector<Hook> poststart;
  std::vector<Hook> poststop;
};

// The shim creates or joins network, IPC and UTS namespaces and always makes its own mount
// namespace; it refuses "user" and ignores "pid", "cgroup" and "time" (a Wasm guest sees no
// process ids, cgroup paths or clocks through which those namespaces would show).
struct Namespace {
  std::string type;  // "network", "ipc", "uts", "mount", "pid", "user", "cgroup", "time"
  std::string path;  // join this one when set, else create a new one
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::string cgroups_path;
  // linux.resources as JSON text ("" when absent); the cgroups library parses it.
  std::string resources_json;
};

struct Spec {
  std::string oci_version;
  std::optional<Process> process;
  Root root;
  std::string hostname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;

  // The annotation's value, or "" when absent.
  std::string annotation(std::string_view key) const;
};

// CRI's annotations: the container type ("sandbox" for a pod's pause container, "container"
// for the others) and the pod's sandbox id (on every container of the pod).
inline constexpr char kCriContainerTypeAnnotation[] = "io.kubernetes.cri.container-type";
inline constexpr char kCriSandboxIdAnnotation[] = "io.kubernetes.cri.sandbox-id";

// True for the pause container of a CRI pod: its process only holds the pod's namespaces.
bool is_pod_sandbox(const Spec& spec);

// Parses config.json text. INVALID_ARGUMENT naming the field for malformed JSON or a field of
// the wrong type ("config.json: process.args[2]: expected a string"). Unknown fields are ignored.
absl::StatusOr<Spec> parse_spec(std::string_view json);

// Reads and parses `<bundle>/config.json`; errors name the file.
absl::StatusOr<Spec> load_spec(const std::string& bundle);

// Parses a JSON OCI Process object (what an Exec request carries).
absl::StatusOr<Process> parse_process(std::string_view json);

}  // namespace ws::oci
