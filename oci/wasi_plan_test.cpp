// Table-driven tests of config.json -> WasiPlan: every oci/testdata/plan/*.json holds a config,
// the files of a fake rootfs (by kind) and the expected plan or error.
#include "oci/wasi_plan.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/match.h"

namespace ws::oci {
namespace {

using Json = nlohmann::json;

// The first bytes of a file of each kind a fixture's "root" may name.
absl::StatusOr<std::string> head_of(const std::string& kind) {
  if (kind == "wasm") return std::string("\0asm\x01\0\0\0", 8);
  if (kind == "component") return std::string("\0asm\x0d\0\x01\0", 8);
  if (kind == "elf")
    return std::string(
        "\x7f"
        "ELF\x02\x01\x01\0",
        8);
  if (kind == "script") return std::string("#!/bin/s", 8);
  if (kind == "wat") return std::string("(module ", 8);
  if (kind == "dir") return absl::FailedPreconditionError("not a regular file");
  if (kind == "noaccess") return absl::PermissionDeniedError("Permission denied");
  return absl::InternalError("fixture: unknown file kind " + kind);
}

struct Fixture {
  std::string name;
  Json doc;
};

std::vector<Fixture> load_fixtures() {
  std::vector<Fixture> out;
  for (const auto& e : std::filesystem::directory_iterator(WS_OCI_TESTDATA "/plan")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    out.push_back({e.path().stem().string(), Json::parse(text.str())});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

std::string kind_name(PlannedMount::Kind k) {
  switch (k) {
    case PlannedMount::Kind::kBind:
      return "bind";
    case PlannedMount::Kind::kTmpfs:
      return "tmpfs";
    case PlannedMount::Kind::kOther:
      break;
  }
  return "other";
}

void check_plan(const WasiPlan& plan, const Json& expect) {
  if (expect.contains("module")) {
    EXPECT_EQ(plan.module_path, expect["module"]);
  }
  if (expect.contains("function")) {
    EXPECT_EQ(plan.function, expect["function"]);
  }
  if (expect.contains("argv")) {
    EXPECT_EQ(plan.argv, expect["argv"].get<std::vector<std::string>>());
  }
  if (expect.contains("env")) {
    EXPECT_EQ(plan.env, expect["env"].get<std::vector<std::string>>());
  }
  if (expect.contains("root_readonly")) {
    EXPECT_EQ(plan.root_readonly, expect["root_readonly"]);
  }
  if (expect.contains("max_fds")) {
    EXPECT_EQ(plan.max_fds, expect["max_fds"]);
  }
  if (expect.contains("max_memory_bytes")) {
    const Json& m = expect["max_memory_bytes"];
    EXPECT_EQ(plan.engine.max_memory_bytes.has_value(), !m.is_null());
    if (!m.is_null() && plan.engine.max_memory_bytes) {
      EXPECT_EQ(*plan.engine.max_memory_bytes, m);
    }
  }
  if (expect.contains("timeout_seconds")) {
    const Json& t = expect["timeout_seconds"];
    EXPECT_EQ(plan.engine.timeout_seconds.has_value(), !t.is_null());
    if (!t.is_null() && plan.engine.timeout_seconds) {
      EXPECT_EQ(*plan.engine.timeout_seconds, t);
    }
  }
  if (expect.contains("listen")) {
    std::vector<std::string> got;
    for (const ListenAddress& a : plan.engine.listen) {
      got.push_back(a.host + ":" + std::to_string(a.port));
    }
    EXPECT_EQ(got, expect["listen"].get<std::vector<std::string>>());
  }
  if (expect.contains("mounts")) {
    const Json& ms = expect["mounts"];
    ASSERT_EQ(plan.mounts.size(), ms.size());
    for (size_t i = 0; i < ms.size(); ++i) {
      SCOPED_TRACE("mount " + std::to_string(i));
      EXPECT_EQ(plan.mounts[i].index, ms[i]["index"]);
      EXPECT_EQ(plan.mounts[i].destination, ms[i]["destination"]);
      EXPECT_EQ(kind_name(plan.mounts[i].kind), ms[i]["kind"]);
      EXPECT_EQ(plan.mounts[i].read_only, ms[i]["read_only"]);
    }
  }
}

TEST(WasiPlan, Fixtures) {
  std::vector<Fixture> fixtures = load_fixtures();
  ASSERT_GE(fixtures.size(), 30u);
  for (const Fixture& f : fixtures) {
    SCOPED_TRACE(f.name);
    absl::StatusOr<Spec> spec = parse_spec(f.doc["config"].dump());
    ASSERT_TRUE(spec.ok()) << spec.status();
    std::vector<std::string> probed;
    ProbeFn probe = [&](const std::string& path) -> absl::StatusOr<std::string> {
      probed.push_back(path);
      const Json& root = f.doc["root"];
      if (!root.contains(path)) return absl::NotFoundError(path + ": no such file");
      return head_of(root[path].get<std::string>());
    };
    absl::StatusOr<WasiPlan> plan = plan_wasi(*spec, *spec->process, /*exec=*/false, probe);
    const Json& expect = f.doc["expect"];
    if (expect.contains("code")) {
      ASSERT_FALSE(plan.ok()) << "expected " << expect["code"];
      EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << plan.status();
      std::string field = expect["message"][0];
      std::string what = expect["message"][1];
      EXPECT_TRUE(absl::StartsWith(plan.status().message(), "config.json: " + field + ": "))
          << plan.status();
      EXPECT_NE(plan.status().message().find(what), std::string::npos) << plan.status();
    } else {
      ASSERT_TRUE(plan.ok()) << plan.status();
      check_plan(*plan, expect);
    }
    // Every look at the rootfs is an absolute, lexically clean path.
    for (const std::string& p : probed) {
      EXPECT_EQ(p, clean_path(p));
      EXPECT_EQ(p.find(".."), std::string::npos) << p;
    }
  }
}

TEST(WasiPlan, ExecSkipsMountsButChecksTheProcess) {
  absl::StatusOr<Spec> spec = parse_spec(R"({"process": {"args": ["/a.wasm"], "cwd": "/"},
      "mounts": [{"destination": "/x", "type": "ext4", "options": ["data=ordered"]}]})");
  ASSERT_TRUE(spec.ok());
  ProbeFn probe = [](const std::string&) -> absl::StatusOr<std::string> {
    return std::string("\0asm\x01\0\0\0", 8);
  };
  EXPECT_FALSE(plan_wasi(*spec, *spec->process, /*exec=*/false, probe).ok());
  absl::StatusOr<WasiPlan> exec = plan_wasi(*spec, *spec->process, /*exec=*/true, probe);
  ASSERT_TRUE(exec.ok()) << exec.status();
  EXPECT_TRUE(exec->mounts.empty());
}

TEST(WasiPlan, ParseEntrypointSplitsAtTheLastHash) {
  struct Case {
    const char* arg;
    const char* path;
    const char* function;
  };
  for (const Case& c :
       {Case{"app.wasm", "app.wasm", "_start"}, Case{"/a.wasm#run", "/a.wasm", "run"},
        Case{"/we#ird.wasm#main", "/we#ird.wasm", "main"}}) {
    absl::StatusOr<Entrypoint> e = parse_entrypoint(c.arg);
    ASSERT_TRUE(e.ok()) << c.arg;
    EXPECT_EQ(e->path, c.path);
    EXPECT_EQ(e->function, c.function);
  }
  EXPECT_FALSE(parse_entrypoint("#run").ok());
  EXPECT_FALSE(parse_entrypoint("").ok());
}

TEST(WasiPlan, CleanPath) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const Case& c : {Case{"/", "/"}, Case{"//a//b/", "/a/b"}, Case{"/a/./b/../c", "/a/c"},
                        Case{"/../../etc", "/etc"}, Case{"a/../../b", "/b"}}) {
    EXPECT_EQ(clean_path(c.in), c.out) << c.in;
  }
}

TEST(WasiPlan, ClassifyModuleByMagicBytes) {
  EXPECT_EQ(classify_module(std::string("\0asm\x01\0\0\0", 8)), ModuleKind::kCoreModule);
  EXPECT_EQ(classify_module(std::string("\0asm\x0d\0\x01\0", 8)), ModuleKind::kComponent);
  EXPECT_EQ(classify_module(std::string("\0asm\x02\0\0\0", 8)), ModuleKind::kOther);
  EXPECT_EQ(classify_module(std::string("\0asm", 4)), ModuleKind::kOther);
  EXPECT_EQ(classify_module("  (module"), ModuleKind::kWasmText);
  EXPECT_EQ(classify_module("\x7f"
                            "ELF"),
            ModuleKind::kOther);
  EXPECT_EQ(classify_module(""), ModuleKind::kOther);
}

}  // namespace
}  // namespace ws::oci
