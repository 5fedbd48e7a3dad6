// containerd's Version/Version over gRPC.
#include "shim/server/containerd_version.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proto/containerd/services/version/v1/version.grpc.pb.h"

namespace ws::shim {

absl::StatusOr<std::string> containerd_version(const std::string& address,
                                               std::chrono::milliseconds timeout) {
  std::string target = absl::StartsWith(address, "unix://") ? address : "unix://" + address;
  auto stub = containerd::services::version::v1::Version::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  google::protobuf::Empty req;
  containerd::services::version::v1::VersionResponse resp;
  grpc::Status s = stub->Version(&ctx, req, &resp);
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat("containerd at ", address, ": version: ", s.error_message()));
  }
  return resp.version();
}

}  // namespace ws::shim
