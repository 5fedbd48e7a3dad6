// The publisher against a real ttrpc server playing containerd's events service.
#include "shim/events/ttrpc_publisher.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/any.h"
#include "proto/containerd/events/task.pb.h"
#include "proto/containerd/services/ttrpc/events/v1/events.pb.h"
#include "shim/ttrpc/server.h"

namespace ws::shim {
namespace {

using ::testing::ElementsAre;

namespace evpb = ::containerd::services::events::ttrpc::v1;

// containerd's side: records every envelope; can answer with an error.
struct FakeContainerd {
  std::mutex mu;
  std::vector<::containerd::types::Envelope> got;
  absl::Status answer = absl::OkStatus();

  std::shared_ptr<ttrpc::ServiceRegistry> registry() {
    auto r = std::make_shared<ttrpc::ServiceRegistry>();
    EXPECT_TRUE(r->add("containerd.services.events.ttrpc.v1.Events", "Forward",
                       [this](const ttrpc::CallContext&,
                              std::string_view bytes) -> absl::StatusOr<std::string> {
                         evpb::ForwardRequest req;
                         EXPECT_TRUE(
                             req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                         std::lock_guard<std::mutex> lock(mu);
                         if (!answer.ok()) return answer;
                         got.push_back(req.envelope());
                         return std::string();
                       })
                    .ok());
    return r;
  }
  std::vector<std::string> topics() {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> out;
    for (const auto& e : got) out.push_back(e.topic());
    return out;
  }
};

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-pub-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    address_ = dir_ + "/containerd.sock.ttrpc";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ::containerd::events::TaskExit exit_event(uint32_t code) {
    ::containerd::events::TaskExit ev;
    ev.set_container_id("c1");
    ev.set_id("c1");
    ev.set_exit_status(code);
    return ev;
  }

  std::string dir_;
  std::string address_;
};

TEST_F(PublisherTest, ForwardsInOrderWithEnvelope) {
  FakeContainerd fake;
  ttrpc::Server server(fake.registry());
  ASSERT_TRUE(server.listen(address_).ok());
  TtrpcPublisher pub(address_, "default");
  ::containerd::events::TaskStart start;
  start.set_container_id("c1");
  start.set_pid(42);
  pub.publish("/tasks/start", start);
  pub.publish("/tasks/exit", exit_event(7));
  ASSERT_TRUE(pub.flush(absl::Seconds(10)));
  EXPECT_THAT(fake.topics(), ElementsAre("/tasks/start", "/tasks/exit"));
  std::lock_guard<std::mutex> lock(fake.mu);
  const auto& env = fake.got[1];
  EXPECT_EQ(env.namespace_(), "default");
  EXPECT_GT(env.timestamp().seconds(), 1700000000);
  EXPECT_EQ(env.event().type_url(), "containerd.events.TaskExit");
  ::containerd::events::TaskExit back;
  ASSERT_TRUE(proto::UnpackBare(env.event(), &back));
  EXPECT_EQ(back.exit_status(), 7u);
}

TEST_F(PublisherTest, RetriesUntilContainerdIsBack) {
  PublisherOptions opts;
  opts.first_delay = absl::Milliseconds(50);
  opts.attempts = 8;
  TtrpcPublisher pub(address_, "k8s.io", opts);
  pub.publish("/tasks/exit", exit_event(1));
  absl::SleepFor(absl::Milliseconds(120));  // a couple of failed attempts
  FakeContainerd fake;
  ttrpc::Server server(fake.registry());
  ASSERT_TRUE(server.listen(address_).ok());
  ASSERT_TRUE(pub.flush(absl::Seconds(20)));
  EXPECT_THAT(fake.topics(), ElementsAre("/tasks/exit"));
}

TEST_F(PublisherTest, AnErrorReplyDropsOnlyThatEvent) {
  FakeContainerd fake;
  fake.answer = absl::InvalidArgumentError("bad event");
  ttrpc::Server server(fake.registry());
  ASSERT_TRUE(server.listen(address_).ok());
  TtrpcPublisher pub(address_, "default");
  pub.publish("/tasks/exit", exit_event(1));
  ASSERT_TRUE(pub.flush(absl::Seconds(10)));
  {
    std::lock_guard<std::mutex> lock(fake.mu);
    fake.answer = absl::OkStatus();
  }
  pub.publish("/tasks/delete", exit_event(2));
  ASSERT_TRUE(pub.flush(absl::Seconds(10)));
  EXPECT_THAT(fake.topics(), ElementsAre("/tasks/delete"));
}

TEST_F(PublisherTest, GivesUpWhenContainerdNeverComes) {
  PublisherOptions opts;
  opts.first_delay = absl::Milliseconds(10);
  opts.attempts = 3;
  TtrpcPublisher pub(address_, "default", opts);
  pub.publish("/tasks/exit", exit_event(1));
  EXPECT_TRUE(pub.flush(absl::Seconds(10)));  // drained: given up, not stuck
}

}  // namespace
}  // namespace ws::shim
