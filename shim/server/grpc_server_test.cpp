// The gRPC transport with the generated task v3 client: typed calls reach the registry, a
// blocking call does not stall others, unknown methods are UNIMPLEMENTED.
#include "shim/server/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "proto/containerd/runtime/task/v3/shim.grpc.pb.h"

namespace ws::shim {
namespace {

namespace v3 = ::containerd::task::v3;

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ws-grpc-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto reg = std::make_shared<ttrpc::ServiceRegistry>();
    ASSERT_TRUE(reg->add("containerd.task.v3.Task", "Connect",
                         [](const ttrpc::CallContext& ctx,
                            std::string_view bytes) -> absl::StatusOr<std::string> {
                           v3::ConnectRequest req;
                           req.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
                           v3::ConnectResponse resp;
                           resp.set_version(std::string(
                               ctx.metadata_value("containerd-namespace").value_or("none")));
                           resp.set_task_pid(static_cast<uint32_t>(req.id().size()));
                           return resp.SerializeAsString();
                         })
                    .ok());
    ASSERT_TRUE(reg->add("containerd.task.v3.Task", "Wait",
                         [this](const ttrpc::CallContext&,
                                std::string_view) -> absl::StatusOr<std::string> {
                           release_.WaitForNotification();
                           v3::WaitResponse resp;
                           resp.set_exit_status(7);
                           return resp.SerializeAsString();
                         })
                    .ok());
    ASSERT_TRUE(
        reg->add("containerd.task.v3.Task", "State",
                 [](const ttrpc::CallContext&, std::string_view) -> absl::StatusOr<std::string> {
                   return absl::NotFoundError("task x not found");
                 })
            .ok());
    server_ = std::make_unique<GrpcServer>(reg);
    address_ = "unix://" + dir_ + "/shim.sock";
    ASSERT_TRUE(server_->listen(address_).ok());
    stub_ = v3::Task::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (!release_.HasBeenNotified()) release_.Notify();
    server_->shutdown(absl::Seconds(1));
    std::filesystem::remove_all(dir_);
  }

  std::string dir_, address_;
  absl::Notification release_;
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v3::Task::Stub> stub_;
};

TEST_F(GrpcServerTest, TypedCallsReachTheRegistry) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("containerd-namespace", "k8s.io");
  v3::ConnectRequest req;
  req.set_id("abcd");
  v3::ConnectResponse resp;
  grpc::Status st = stub_->Connect(&ctx, req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(resp.version(), "k8s.io");
  EXPECT_EQ(resp.task_pid(), 4u);
}

TEST_F(GrpcServerTest, StatusCodesAndUnimplemented) {
  grpc::ClientContext c1;
  v3::StateResponse sr;
  grpc::Status st = stub_->State(&c1, v3::StateRequest(), &sr);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(st.error_message(), "task x not found");
  grpc::ClientContext c2;
  google::protobuf::Empty e;
  st = stub_->Pause(&c2, v3::PauseRequest(), &e);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcServerTest, ABlockingCallDoesNotStallOthers) {
  std::future<uint32_t> waiting = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    v3::WaitResponse resp;
    grpc::Status st = stub_->Wait(&ctx, v3::WaitRequest(), &resp);
    return st.ok() ? resp.exit_status() : 999u;
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  for (int i = 0; i < 5; ++i) {
    grpc::ClientContext ctx;
    v3::ConnectResponse resp;
    ASSERT_TRUE(stub_->Connect(&ctx, v3::ConnectRequest(), &resp).ok());
  }
  release_.Notify();
  EXPECT_EQ(waiting.get(), 7u);
}

}  // namespace
}  // namespace ws::shim
