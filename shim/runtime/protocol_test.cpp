// The shim <-> instance frames over a socketpair.
#include "shim/runtime/protocol.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "shim/runtime/fd.h"

namespace ws::shim {
namespace {

struct Pair {
  UniqueFd a, b;
  Pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    a.reset(sv[0]);
    b.reset(sv[1]);
  }
};

TEST(Protocol, SetupRoundTrips) {
  Pair p;
  InstanceSetup s{
      "c1", "/run/bundle",
      42,   R"({"args":["/x.wasm"]})",
      true, {"/sys/fs/cgroup/memory/n/c1/tasks", "/sys/fs/cgroup/cpu,cpuacct/n/c1/tasks"}};
  ASSERT_TRUE(send_setup(p.a.get(), s).ok());
  absl::StatusOr<InstanceSetup> got = recv_setup(p.b.get());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->id, "c1");
  EXPECT_EQ(got->bundle, "/run/bundle");
  EXPECT_EQ(got->init_pid, 42u);
  EXPECT_EQ(got->process_json, R"({"args":["/x.wasm"]})");
  EXPECT_TRUE(got->terminal);
  EXPECT_TRUE(got->is_exec());
  EXPECT_EQ(got->join_files, s.join_files);
  // No files: the shim added the process itself.
  s.join_files.clear();
  ASSERT_TRUE(send_setup(p.a.get(), s).ok());
  got = recv_setup(p.b.get());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->join_files.empty());
}

// A frame as the previous build wrote it: these fields, length-prefixed, in a length prefix.
void send_old_frame(int fd, const std::vector<std::string>& fields) {
  auto put = [](std::string& out, const std::string& f) {
    uint32_t n = static_cast<uint32_t>(f.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof(n));
    out += f;
  };
  std::string body, frame;
  for (const std::string& f : fields) put(body, f);
  put(frame, body);
  ASSERT_EQ(::send(fd, frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
}

// Shim and instance binaries of adjacent builds meet after an upgrade under a running shim.
TEST(Protocol, SetupAndReadyOfThePreviousBuildStillParse) {
  Pair p;
  send_old_frame(p.a.get(), {"c1", "/run/bundle", "0", "", "0"});  // no join files
  absl::StatusOr<InstanceSetup> got = recv_setup(p.b.get());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->bundle, "/run/bundle");
  EXPECT_TRUE(got->join_files.empty());       // the old shim added the process itself
  send_old_frame(p.a.get(), {"0", "", "0"});  // no "joined" field
  bool joined = true;
  EXPECT_TRUE(recv_ready(p.b.get(), nullptr, &joined).ok());
  EXPECT_FALSE(joined);  // the new shim must add the process then
  ASSERT_TRUE(send_ready(p.a.get(), absl::OkStatus(), -1, true).ok());
  EXPECT_TRUE(recv_ready(p.b.get(), nullptr, &joined).ok());
  EXPECT_TRUE(joined);
  // Fewer fields than the old build sent is still malformed.
  send_old_frame(p.a.get(), {"c1", "/run/bundle", "0", ""});
  EXPECT_FALSE(recv_setup(p.b.get()).ok());
}

TEST(Protocol, ReadyCarriesTheErrorCodeAndMessage) {
  Pair p;
  ASSERT_TRUE(send_ready(p.a.get(), absl::InvalidArgumentError("/app.wasm: bad magic")).ok());
  absl::Status got = recv_ready(p.b.get());
  EXPECT_EQ(got.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.message(), "/app.wasm: bad magic");
  ASSERT_TRUE(send_ready(p.a.get(), absl::OkStatus()).ok());
  EXPECT_TRUE(recv_ready(p.b.get()).ok());
}

TEST(Protocol, ReadyCanCarryTheModuleToFill) {
  Pair p;
  int pipefd[2];
  ASSERT_EQ(::pipe(pipefd), 0);
  UniqueFd r(pipefd[0]), w(pipefd[1]);
  ASSERT_TRUE(send_ready(p.a.get(), absl::OkStatus(), r.get()).ok());
  ASSERT_TRUE(send_ready(p.a.get(), absl::OkStatus()).ok());
  UniqueFd fill;
  ASSERT_TRUE(recv_ready(p.b.get(), &fill).ok());
  ASSERT_GE(fill.get(), 0);
  EXPECT_NE(fill.get(), r.get());
  // The same pipe: what goes in at w comes out of the received descriptor.
  ASSERT_EQ(::write(w.get(), "m", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(fill.get(), &c, 1), 1);
  EXPECT_EQ(c, 'm');
  UniqueFd none;
  ASSERT_TRUE(recv_ready(p.b.get(), &none).ok());  // the next answer carries none
  EXPECT_LT(none.get(), 0);
}

TEST(Protocol, HangUpIsNotReadyNorStart) {
  Pair p;
  p.a.reset();
  absl::Status got = recv_ready(p.b.get());
  EXPECT_EQ(got.code(), absl::StatusCode::kInternal);
  EXPECT_NE(got.message().find("exited before it was ready"), std::string::npos);
  EXPECT_FALSE(recv_start(p.b.get()));
}

TEST(Protocol, StartByte) {
  Pair p;
  ASSERT_TRUE(send_start(p.a.get()).ok());
  EXPECT_TRUE(recv_start(p.b.get()));
}

}  // namespace
}  // namespace ws::shim
