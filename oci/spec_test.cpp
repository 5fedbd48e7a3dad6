// Unit tests of config.json parsing: typical Docker/containerd specs and malformed fields.
#include "oci/spec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ws::oci {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// What `ctr run` writes, trimmed to the fields that matter plus a few it adds.
constexpr const char* kCtrSpec = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["/hello.wasm", "a b", "c"],
    "env": ["PATH=/usr/local/sbin:/usr/bin", "GREETING=hi"],
    "cwd": "/",
    "capabilities": {"bounding": ["CAP_CHOWN"]},
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "oomScoreAdj": -998,
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": true},
  "hostname": "box",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/etc/hosts", "type": "bind", "source": "/var/lib/x/hosts",
     "options": ["rbind", "ro"]}
  ],
  "hooks": {"prestart": [{"path": "/usr/bin/netns-hook", "args": ["hook", "x"], "timeout": 5}]},
  "annotations": {"io.kubernetes.cri.sandbox-id": "pod1"},
  "linux": {
    "resources": {"memory": {"limit": 67108864}},
    "cgroupsPath": "/default/box",
    "namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/cni-1"}]
  }
})";

TEST(Spec, ParsesWhatContainerdWrites) {
  absl::StatusOr<Spec> s = parse_spec(kCtrSpec);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->process.has_value());
  EXPECT_THAT(s->process->args, ElementsAre("/hello.wasm", "a b", "c"));
  EXPECT_THAT(s->process->env, ElementsAre("PATH=/usr/local/sbin:/usr/bin", "GREETING=hi"));
  EXPECT_EQ(s->process->cwd, "/");
  ASSERT_EQ(s->process->rlimits.size(), 1u);
  EXPECT_EQ(s->process->rlimits[0].type, "RLIMIT_NOFILE");
  EXPECT_EQ(s->process->rlimits[0].soft, 1024u);
  EXPECT_EQ(s->process->oom_score_adj, -998);
  EXPECT_EQ(s->root.path, "rootfs");
  EXPECT_TRUE(s->root.readonly);
  EXPECT_EQ(s->hostname, "box");
  ASSERT_EQ(s->mounts.size(), 2u);
  EXPECT_EQ(s->mounts[1].destination, "/etc/hosts");
  EXPECT_EQ(s->mounts[1].type, "bind");
  EXPECT_THAT(s->mounts[1].options, ElementsAre("rbind", "ro"));
  ASSERT_EQ(s->hooks.prestart.size(), 1u);
  EXPECT_EQ(s->hooks.prestart[0].path, "/usr/bin/netns-hook");
  EXPECT_EQ(s->hooks.prestart[0].timeout, 5);
  EXPECT_EQ(s->annotation("io.kubernetes.cri.sandbox-id"), "pod1");
  EXPECT_EQ(s->annotation("absent"), "");
  EXPECT_EQ(s->linux.cgroups_path, "/default/box");
  ASSERT_EQ(s->linux.namespaces.size(), 2u);
  EXPECT_EQ(s->linux.namespaces[1].path, "/var/run/netns/cni-1");
  EXPECT_THAT(s->linux.resources_json, HasSubstr("67108864"));
}

TEST(Spec, DefaultsForAbsentFields) {
  absl::StatusOr<Spec> s = parse_spec(R"({"ociVersion": "1.0.0", "process": null})");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->process.has_value());
  EXPECT_FALSE(parse_process(R"({"args": ["/a.wasm"]})")->oom_score_adj.has_value());
  EXPECT_EQ(s->root.path, "rootfs");
  EXPECT_FALSE(s->root.readonly);
  EXPECT_TRUE(s->mounts.empty());
  EXPECT_EQ(s->linux.resources_json, "");
}

std::string error_of(const std::string& json) {
  absl::StatusOr<Spec> s = parse_spec(json);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST(Spec, ErrorsNameTheField) {
  EXPECT_EQ(error_of("{"), "config.json: not valid JSON");
  EXPECT_EQ(error_of("[]"), "config.json: (document): expected an object");
  EXPECT_EQ(error_of(R"({"process": {"args": ["a", 3]}})"),
            "config.json: process.args[1]: expected a string");
  EXPECT_EQ(error_of(R"({"process": {"args": "a"}})"),
            "config.json: process.args: expected an array of strings");
  EXPECT_EQ(error_of(R"({"process": {"terminal": "yes"}})"),
            "config.json: process.terminal: expected true or false");
  EXPECT_EQ(error_of(R"({"process": {"user": {"uid": -1}}})"),
            "config.json: process.user.uid: expected a non-negative integer in range");
  EXPECT_EQ(error_of(R"({"process": {"oomScoreAdj": 1001}})"),
            "config.json: process.oomScoreAdj: expected an integer from -1000 to 1000");
  EXPECT_EQ(error_of(R"({"process": {"oomScoreAdj": "high"}})"),
            "config.json: process.oomScoreAdj: expected an integer from -1000 to 1000");
  EXPECT_EQ(error_of(R"({"root": {"path": 7}})"), "config.json: root.path: expected a string");
  EXPECT_EQ(error_of(R"({"mounts": [{"type": "bind"}]})"),
            "config.json: mounts[0].destination: required");
  EXPECT_EQ(error_of(R"({"mounts": {}})"), "config.json: mounts: expected an array");
  EXPECT_EQ(error_of(R"({"hooks": {"poststop": [{"path": "/x", "timeout": 0}]}})"),
            "config.json: hooks.poststop[0].timeout: expected a positive number of seconds");
  EXPECT_EQ(error_of(R"({"annotations": {"a": 1}})"),
            "config.json: annotations.a: expected a string");
  EXPECT_EQ(error_of(R"({"linux": {"namespaces": [{"path": "/x"}]}})"),
            "config.json: linux.namespaces[0].type: required");
}

TEST(Spec, RecognisesCriPodSandboxes) {
  absl::StatusOr<Spec> pause =
      parse_spec(R"({"annotations": {"io.kubernetes.cri.container-type": "sandbox"}})");
  absl::StatusOr<Spec> app =
      parse_spec(R"({"annotations": {"io.kubernetes.cri.container-type": "container"}})");
  absl::StatusOr<Spec> plain = parse_spec("{}");
  ASSERT_TRUE(pause.ok() && app.ok() && plain.ok());
  EXPECT_TRUE(is_pod_sandbox(*pause));
  EXPECT_FALSE(is_pod_sandbox(*app));
  EXPECT_FALSE(is_pod_sandbox(*plain));
}

TEST(Spec, LoadSpecNamesTheFile) {
  absl::StatusOr<Spec> s = load_spec("/nonexistent-bundle");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("/nonexistent-bundle/config.json"));
}

TEST(Spec, ParsesAnExecProcess) {
  absl::StatusOr<Process> p = parse_process(R"({"args": ["/bin.wasm", "-x"], "terminal": true,
      "consoleSize": {"height": 24, "width": 80}, "env": ["A=1"], "cwd": "/tmp"})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->args, ElementsAre("/bin.wasm", "-x"));
  EXPECT_TRUE(p->terminal);
  ASSERT_TRUE(p->console_size.has_value());
  EXPECT_EQ(p->console_size->width, 80u);
  EXPECT_EQ(p->cwd, "/tmp");
  absl::StatusOr<Process> bad = parse_process(R"({"env": [1]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "process spec: env[0]: expected a string");
}

}  // namespace
}  // namespace ws::oci
