// How a failed mount is reported: the config's faults, permissions and host faults apart; which
// linux.namespaces entries are refused before anything is entered.
#include "shim/runtime/container_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>

#include "shim/runtime/fd.h"

namespace ws::shim {
namespace {

TEST(MountError, ConfigFaultsPermissionsAndHostFaultsApart) {
  struct Case {
    int err;
    absl::StatusCode code;
  };
  for (const Case& c :
       {Case{ENOENT, absl::StatusCode::kInvalidArgument},
        Case{ENOTDIR, absl::StatusCode::kInvalidArgument},
        Case{EINVAL, absl::StatusCode::kInvalidArgument},
        Case{EACCES, absl::StatusCode::kPermissionDenied},
        Case{EPERM, absl::StatusCode::kPermissionDenied}, Case{EBUSY, absl::StatusCode::kInternal},
        Case{ENOMEM, absl::StatusCode::kInternal}, Case{EMFILE, absl::StatusCode::kInternal}}) {
    SCOPED_TRACE(c.err);
    absl::Status s = mount_error(errno_status(c.err, "mount /src on /dst"), 2);
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_EQ(s.message().rfind("config.json: mounts[2]: mount /src on /dst: ", 0), 0u) << s;
  }
}

oci::Spec spec_with(std::vector<oci::Namespace> namespaces) {
  oci::Spec spec;
  spec.linux.namespaces = std::move(namespaces);
  return spec;
}

class NamespacePath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-nspath-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    ::unlink((dir_ + "/fifo").c_str());
    ::unlink((dir_ + "/file").c_str());
    ::rmdir(dir_.c_str());
  }

  // enter_namespaces with linux.namespaces[1] a network namespace at `path`: every case here
  // fails before setns, so the test process stays where it is.
  absl::Status join_network(const std::string& path) {
    return enter_namespaces(spec_with({{"pid", ""}, {"network", path}}));
  }

  std::string dir_;
};

TEST_F(NamespacePath, AFifoIsRefusedWithoutBlocking) {
  std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  absl::Status s = join_network(fifo);  // an open() of it would wait for a writer forever
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(s.message(),
            "config.json: linux.namespaces[1]: " + fifo + " is not a network namespace");
}

TEST_F(NamespacePath, ARegularFileOrADeviceIsRefused) {
  std::string file = dir_ + "/file";
  std::ofstream(file) << "net";
  for (const std::string& path : {file, std::string("/dev/null"), std::string("/proc/self")}) {
    absl::Status s = join_network(path);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(s.message(),
              "config.json: linux.namespaces[1]: " + path + " is not a network namespace");
  }
}

TEST_F(NamespacePath, AMissingPathNamesTheField) {
  absl::Status s = join_network(dir_ + "/none");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(s.message(), "config.json: linux.namespaces[1]: open the network namespace " + dir_ +
                             "/none: No such file or directory");
}

TEST_F(NamespacePath, ANamespaceOfAnotherTypeIsRefused) {
  absl::Status s = join_network("/proc/self/ns/ipc");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(s.message(),
            "config.json: linux.namespaces[1]: /proc/self/ns/ipc is not a network namespace");
}

TEST(Namespaces, AUserNamespaceIsRefusedBeforeAnyIsEntered) {
  for (const std::string& path : {std::string(), std::string("/proc/self/ns/user")}) {
    absl::Status s = enter_namespaces(spec_with({{"ipc", ""}, {"user", path}}));
    EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
    EXPECT_EQ(s.message().rfind("config.json: linux.namespaces[1]: user namespaces are not", 0), 0u)
        << s;
  }
}

}  // namespace
}  // namespace ws::shim
