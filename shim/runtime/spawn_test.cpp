// program_environment: what the shim's own programs inherit.
#include "shim/runtime/spawn.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ws::shim {
namespace {

std::vector<std::string> run(std::vector<std::string> in) {
  std::vector<char*> env;
  for (std::string& s : in) env.push_back(s.data());
  env.push_back(nullptr);
  return program_environment(env.data());
}

TEST(ProgramEnvironment, LibraryPathKeepsOnlyExistingAbsoluteDirectories) {
  char tmpl[] = "/tmp/ws_spawn_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  // containerd's opt plugin: "<opt>/lib:" (the empty entry is the working directory).
  EXPECT_EQ(run({"A=1", "LD_LIBRARY_PATH=/nonexistent/opt/lib:", "B=2"}),
            (std::vector<std::string>{"A=1", "B=2"}));
  // An empty directory (what the opt plugin creates) holds nothing to load either.
  EXPECT_EQ(run({"LD_LIBRARY_PATH=" + dir}), std::vector<std::string>{});
  ASSERT_TRUE(std::filesystem::create_directory(dir + "/glibc-hwcaps"));
  EXPECT_EQ(run({"LD_LIBRARY_PATH=:" + dir + "::relative/lib:/nonexistent:" + dir + "/"}),
            (std::vector<std::string>{"LD_LIBRARY_PATH=" + dir + ":" + dir + "/"}));
  // ';' separates too; the loader's own tokens are its business.
  EXPECT_EQ(run({"LD_LIBRARY_PATH=/nonexistent;" + dir + ";$ORIGIN/../lib"}),
            (std::vector<std::string>{"LD_LIBRARY_PATH=" + dir + ":$ORIGIN/../lib"}));
  // A file is not a library directory.
  EXPECT_EQ(run({"LD_LIBRARY_PATH=/etc/hostname", "PATH=/usr/bin"}),
            (std::vector<std::string>{"PATH=/usr/bin"}));
  // Everything else passes unchanged, in order; a look-alike name is not the variable.
  EXPECT_EQ(run({"X_LD_LIBRARY_PATH=:", "LD_LIBRARY_PATHX=:", "EMPTY="}),
            (std::vector<std::string>{"X_LD_LIBRARY_PATH=:", "LD_LIBRARY_PATHX=:", "EMPTY="}));
  EXPECT_TRUE(run({}).empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ws::shim
