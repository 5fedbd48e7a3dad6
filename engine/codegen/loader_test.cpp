// Tests of the codegen plugin loader: search order, refusal of wrong files and mismatched
// tables with reasons, and a working load of the build tree's plugin.
#include "engine/codegen/loader.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "engine_build_id.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ws::engine::codegen_plugin {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;

std::string exe_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  std::string p(buf, static_cast<size_t>(n > 0 ? n : 0));
  return p.substr(0, p.rfind('/'));
}

TEST(CodegenPlugin, SearchOrder) {
  unsetenv("WASMSHIM_CODEGEN");
  std::vector<std::string> paths = search_paths();
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0], exe_dir() + "/libwasmshim-codegen.so");
  EXPECT_EQ(paths[1], exe_dir() + "/../lib/wasmshim/libwasmshim-codegen.so");
  EXPECT_THAT(paths[2], EndsWith("/engine/codegen/libwasmshim-codegen.so"));
  EXPECT_EQ(paths[2][0], '/');
  setenv("WASMSHIM_CODEGEN", "/opt/x/codegen.so", 1);
  EXPECT_THAT(search_paths(), ElementsAre("/opt/x/codegen.so"));
  unsetenv("WASMSHIM_CODEGEN");
}

TEST(CodegenPlugin, SkipsUnusableFilesAndLoadsTheBuiltPlugin) {
  unsetenv("WASMSHIM_CODEGEN");
  std::string built = search_paths().back();
  std::string junk = ::testing::TempDir() + "/not-a-plugin.so";
  std::ofstream(junk) << "garbage";
  absl::StatusOr<const Table*> t = load_from({"/nonexistent/codegen.so", junk, built});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->abi_version, kAbiVersion);
  EXPECT_NE((*t)->compile_jit, nullptr);
  EXPECT_NE((*t)->compile_eager, nullptr);
  EXPECT_NE((*t)->compile_lazy, nullptr);
  EXPECT_FALSE((*t)->host_cpu_features().empty());
  EXPECT_TRUE(check_table(**t).ok());
  // The process-wide load finds the same plugin.
  absl::StatusOr<const Table*> once = load();
  ASSERT_TRUE(once.ok()) << once.status();
  EXPECT_EQ(*once, *t);
}

TEST(CodegenPlugin, ErrorNamesEveryPathAndReason) {
  std::string junk = ::testing::TempDir() + "/not-a-plugin2.so";
  std::ofstream(junk) << "garbage";
  // A real shared library without the entry point.
  std::string libc = "/lib/x86_64-linux-gnu/libc.so.6";
  absl::StatusOr<const Table*> t = load_from({"/nonexistent/codegen.so", junk, libc});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition);
  std::string m(t.status().message());
  EXPECT_THAT(m, HasSubstr("WASMSHIM_CODEGEN"));
  EXPECT_THAT(m, HasSubstr("/nonexistent/codegen.so (not found)"));
  EXPECT_THAT(m, HasSubstr(junk + " (dlopen: "));
  EXPECT_THAT(m, HasSubstr(libc + " (no symbol ws_codegen_plugin_table)"));
}

TEST(CodegenPlugin, RefusesTablesOfOtherBuilds) {
  Table good{.abi_version = kAbiVersion,
             .table_size = sizeof(Table),
             .layout = layout_fingerprint(),
             .compiler = __VERSION__,
             .engine_build = WS_ENGINE_BUILD_ID,
             .compile_jit = nullptr,
             .compile_eager = nullptr,
             .compile_lazy = nullptr,
             .tier_up = nullptr,
             .host_cpu_features = nullptr};
  EXPECT_TRUE(check_table(good).ok());
  Table t = good;
  t.abi_version = kAbiVersion + 1;
  EXPECT_THAT(check_table(t).message(), HasSubstr("ABI version"));
  t = good;
  t.table_size = sizeof(Table) - 8;
  EXPECT_THAT(check_table(t).message(), HasSubstr("another revision"));
  t = good;
  t.layout ^= 1;
  EXPECT_THAT(check_table(t).message(), HasSubstr("another revision"));
  t = good;
  t.compiler = "clang 99";
  EXPECT_THAT(check_table(t).message(), HasSubstr("clang 99"));
  t = good;
  t.engine_build = "0123abcd";
  EXPECT_THAT(check_table(t).message(), HasSubstr("plugin is engine build 0123abcd"));
}

}  // namespace
}  // namespace ws::engine::codegen_plugin
