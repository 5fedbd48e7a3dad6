// The guest cases together import every wasi_snapshot_preview1 function.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "engine/decode/decoder.h"
#include "support/file.h"
#include "test/wasi/wasi_cases.h"

namespace ws::testing {
namespace {

const char* const kPreview1[] = {
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
};

TEST(WasiCoverage, CasesImportEveryPreview1Function) {
  ASSERT_EQ(std::size(kPreview1), 46u);
  auto cases = load_wasi_cases(WS_WASI_CASES_DIR);
  ASSERT_TRUE(cases.ok()) << cases.status();
  std::set<std::string> imported;
  std::set<std::string> modules;
  for (const WasiCase& c : *cases) {
    if (c.cli_only) continue;  // the API and CLI runs both cover these
    modules.insert(c.module);
  }
  for (const std::string& m : modules) {
    auto bytes = support::read_file(std::string(WS_WASI_WASM_DIR) + "/" + m + ".wasm");
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    auto module = engine::decode_module(std::move(*bytes));
    ASSERT_TRUE(module.ok()) << module.status();
    for (const engine::Import& imp : module->imports) {
      if (imp.module == "wasi_snapshot_preview1") imported.insert(imp.name);
    }
  }
  std::vector<std::string> missing;
  for (const char* name : kPreview1) {
    if (!imported.count(name)) missing.push_back(name);
  }
  EXPECT_THAT(missing, ::testing::IsEmpty());
}

TEST(WasiCases, GlobAndStderrMatching) {
  EXPECT_TRUE(glob_match("wasmrun: *trap.wasm: trap: *", "wasmrun: /a/trap.wasm: trap: x"));
  EXPECT_FALSE(glob_match("a*c", "abd"));
  EXPECT_EQ(match_stderr("guest\nwasmrun: x\n  #0 f\n", "guest\n", {"wasmrun: *", "..."}), "");
  EXPECT_NE(match_stderr("other\n", "guest\n", {}), "");
  EXPECT_NE(match_stderr("guest\nextra\n", "guest\n", {}), "");
}

}  // namespace
}  // namespace ws::testing
