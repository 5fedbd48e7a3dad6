// OCI hooks: the state on stdin, failures with the hook's output, timeouts, and the state JSON.
#include "shim/runtime/hooks.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace ws::shim {
namespace {

class HooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-hooks-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static oci::Hook sh(const std::string& script, std::optional<int> timeout = std::nullopt) {
    return oci::Hook{"/bin/sh", {"sh", "-c", script}, {"HOOK_ENV=yes"}, timeout};
  }
  static std::string slurp(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
  }

  std::string dir_;
  HookState state_{"1.0.2", "c1", "creating", 1234, "/run/b", {{"k", "v\"q"}}};
};

TEST(HookState, IsTheSpecsStateJson) {
  HookState s{"1.0.2", "c1", "created", 42, "/b", {{"a", "x\ny"}, {"b", ""}}};
  EXPECT_EQ(hook_state_json(s),
            R"({"ociVersion":"1.0.2","id":"c1","status":"created","pid":42,"bundle":"/b",)"
            R"("annotations":{"a":"x\ny","b":""}})");
}

TEST_F(HooksTest, EachHookGetsTheStateOnStdinAndItsOwnEnvironment) {
  std::string out1 = dir_ + "/one", out2 = dir_ + "/two";
  absl::Status s =
      run_hooks("prestart", {sh("cat > " + out1), sh("echo \"$HOOK_ENV $0\" > " + out2)}, state_);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(slurp(out1), hook_state_json(state_));
  EXPECT_EQ(slurp(out2), "yes sh\n");
}

TEST_F(HooksTest, AFailingHookStopsTheRestAndNamesItselfWithItsOutput) {
  std::string later = dir_ + "/later";
  absl::Status s =
      run_hooks("prestart", {sh("echo no network >&2; exit 3"), sh("touch " + later)}, state_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(), "prestart hook /bin/sh: exited with code 3: no network");
  EXPECT_FALSE(std::filesystem::exists(later));
}

TEST_F(HooksTest, AMissingHookFails) {
  absl::Status s = run_hooks("createRuntime", {oci::Hook{"/nonexistent/hook", {}, {}, {}}}, state_);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("createRuntime hook /nonexistent/hook"), std::string::npos) << s;
}

TEST_F(HooksTest, TimeoutKillsTheHook) {
  absl::Time start = absl::Now();
  absl::Status s = run_hooks("poststart", {sh("sleep 30", 1)}, state_);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(s.message(), "poststart hook /bin/sh: did not finish within 1s");
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST_F(HooksTest, AHookThatIgnoresStdinStillSucceeds) {
  EXPECT_TRUE(run_hooks("poststop", {sh("exit 0")}, state_).ok());
}

}  // namespace
}  // namespace ws::shim
