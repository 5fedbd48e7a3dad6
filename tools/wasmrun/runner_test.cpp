// Unit tests of the WASI configuration wasmrun derives from its options.
#include "tools/wasmrun/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ws::tools {
namespace {

using ::testing::ElementsAre;
namespace wasi = engine::wasi;

RunOptions parsed(std::vector<std::string> args) {
  absl::StatusOr<RunOptions> o = parse_options(args);
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *o : RunOptions{};
}

TEST(WasiConfigFor, CommandGetsModuleAndArguments) {
  RunOptions o =
      parsed({"--dir", "/data:/srv:ro", "--dir", "/tmp", "--env", "A=1", "m.wasm", "x", "y z"});
  wasi::WasiConfig c = wasi_config_for(o, {7, 9});
  EXPECT_THAT(c.args, ElementsAre("m.wasm", "x", "y z"));
  EXPECT_THAT(c.env, ElementsAre("A=1"));
  ASSERT_EQ(c.dirs.size(), 2u);
  EXPECT_EQ(c.dirs[0].guest_path, "/data");
  EXPECT_EQ(c.dirs[0].host_path, "/srv");
  EXPECT_TRUE(c.dirs[0].read_only);
  EXPECT_EQ(c.dirs[0].mode, wasi::ResolveMode::kBeneath);
  EXPECT_EQ(c.dirs[1].guest_path, "/tmp");
  EXPECT_FALSE(c.dirs[1].read_only);
  EXPECT_EQ(c.dirs[1].mode, wasi::ResolveMode::kBeneath);
  EXPECT_THAT(c.listen_sockets, ElementsAre(7, 9));
  EXPECT_EQ(c.stdin_fd, 0);
  EXPECT_EQ(c.stdout_fd, 1);
  EXPECT_EQ(c.stderr_fd, 2);
}

TEST(WasiConfigFor, InvokeArgumentsAreNotTheGuestsArgv) {
  RunOptions o = parsed({"--invoke", "add", "m.wasm", "1", "2"});
  wasi::WasiConfig c = wasi_config_for(o, {});
  EXPECT_THAT(c.args, ElementsAre("m.wasm"));
  EXPECT_TRUE(c.env.empty());
  EXPECT_TRUE(c.dirs.empty());
}

}  // namespace
}  // namespace ws::tools
