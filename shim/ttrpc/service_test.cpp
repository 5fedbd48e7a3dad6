// Service registry dispatch, call context, typed handlers and status conversion.
#include "shim/ttrpc/service.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "proto/containerd/runtime/task/v2/shim.pb.h"
#include "shim/ttrpc/proto_call.h"
#include "shim/ttrpc/status.h"

namespace ws::shim::ttrpc {
namespace {

Handler echo() {
  return [](const CallContext&, std::string_view req) -> absl::StatusOr<std::string> {
    return std::string(req);
  };
}

TEST(ServiceRegistry, UnknownServiceAndMethodAreUnimplemented) {
  ServiceRegistry reg;
  ASSERT_TRUE(reg.add("svc.A", "Echo", echo()).ok());
  auto r = reg.dispatch(CallContext("svc.B", "Echo", {}), "x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(r.status().message(), "service svc.B");
  r = reg.dispatch(CallContext("svc.A", "Nope", {}), "x");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(r.status().message(), "method Nope");
  r = reg.dispatch(CallContext("svc.A", "Echo", {}), "x");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "x");
}

TEST(ServiceRegistry, DuplicatesEmptyNamesAndAliases) {
  ServiceRegistry reg;
  ASSERT_TRUE(reg.add("containerd.task.v2.Task", "State", echo()).ok());
  EXPECT_EQ(reg.add("containerd.task.v2.Task", "State", echo()).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg.add("", "State", echo()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reg.add("s", "m", Handler()).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(reg.alias("containerd.task.v2.Task", "containerd.task.v3.Task").ok());
  EXPECT_TRUE(reg.has("containerd.task.v3.Task", "State"));
  EXPECT_FALSE(reg.has("containerd.task.v3.Task", "Create"));
  EXPECT_EQ(reg.alias("no.Such", "x.Y").code(), absl::StatusCode::kNotFound);
}

TEST(ServiceRegistry, ThrowingHandlerIsInternal) {
  ServiceRegistry reg;
  ASSERT_TRUE(reg.add("s", "m",
                      [](const CallContext&, std::string_view) -> absl::StatusOr<std::string> {
                        throw std::runtime_error("boom");
                      })
                  .ok());
  auto r = reg.dispatch(CallContext("s", "m", {}), "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("boom"), std::string_view::npos);
}

TEST(CallContext, MetadataIsCaseInsensitiveAndMultiValued) {
  CallContext ctx("s", "m",
                  {{"containerd-namespace-ttrpc", "default"}, {"Trace", "a"}, {"trace", "b"}});
  EXPECT_EQ(ctx.metadata_value(kNamespaceMetadataKey), "default");
  auto traces = ctx.metadata_values("TRACE");
  ASSERT_EQ(traces.size(), 2u);
  EXPECT_EQ(traces[0], "a");
  EXPECT_EQ(traces[1], "b");
  EXPECT_FALSE(ctx.metadata_value("missing").has_value());
}

TEST(CallContext, DeadlineAndCancellation) {
  CallContext none("s", "m", {});
  EXPECT_FALSE(none.cancelled());
  EXPECT_EQ(none.deadline(), absl::InfiniteFuture());

  CallContext expired("s", "m", {}, absl::Now() - absl::Seconds(1));
  EXPECT_TRUE(expired.cancelled());
  EXPECT_TRUE(expired.wait_cancelled(absl::Seconds(10)));

  auto note = std::make_shared<Cancellation>();
  CallContext cancellable("s", "m", {}, absl::InfiniteFuture(), note);
  EXPECT_FALSE(cancellable.wait_cancelled(absl::Milliseconds(10)));
  note->cancel();
  note->cancel();  // idempotent
  EXPECT_TRUE(note->wait_until(absl::InfiniteFuture()));
  EXPECT_TRUE(cancellable.cancelled());
}

TEST(ProtoHandler, ParsesRequestAndSerializesReply) {
  using containerd::task::v2::ConnectRequest;
  using containerd::task::v2::ConnectResponse;
  Handler h = proto_handler<ConnectRequest, ConnectResponse>(
      [](const CallContext&, const ConnectRequest& req) -> absl::StatusOr<ConnectResponse> {
        if (req.id() != "c1") return absl::NotFoundError("task " + req.id() + " not found");
        ConnectResponse resp;
        resp.set_version("2");
        return resp;
      });
  ConnectRequest req;
  req.set_id("c1");
  auto out = h(CallContext("s", "m", {}), req.SerializeAsString());
  ASSERT_TRUE(out.ok()) << out.status();
  ConnectResponse resp;
  ASSERT_TRUE(resp.ParseFromString(*out));
  EXPECT_EQ(resp.version(), "2");

  req.set_id("c2");
  EXPECT_EQ(h(CallContext("s", "m", {}), req.SerializeAsString()).status().code(),
            absl::StatusCode::kNotFound);
  auto bad = h(CallContext("s", "m", {}), std::string("\xff\xff\xff", 3));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("containerd.task.v2.ConnectRequest"),
            std::string_view::npos);
}

TEST(Status, RoundTripsGrpcCodes) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status s(static_cast<absl::StatusCode>(code), code == 0 ? "" : "why");
    google::rpc::Status wire = to_rpc_status(s);
    EXPECT_EQ(wire.code(), code);
    EXPECT_EQ(from_rpc_status(wire), s);
  }
  google::rpc::Status odd;
  odd.set_code(99);
  odd.set_message("strange");
  absl::Status s = from_rpc_status(odd);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnknown);
  EXPECT_NE(s.message().find("99"), std::string_view::npos);
}

}  // namespace
}  // namespace ws::shim::ttrpc
