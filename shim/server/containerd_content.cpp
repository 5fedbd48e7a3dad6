// containerd's Containers/Get, Images/Get and Content/Read as an ImageContent.
#include "shim/server/containerd_content.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proto/containerd/services/containers/v1/containers.grpc.pb.h"
#include "proto/containerd/services/content/v1/content.grpc.pb.h"
#include "proto/containerd/services/images/v1/images.grpc.pb.h"
#include "proto/containerd/services/version/v1/version.grpc.pb.h"

namespace ws::shim {
namespace {

namespace containers = containerd::services::containers::v1;
namespace content = containerd::services::content::v1;
namespace images = containerd::services::images::v1;

// containerd's socket as a gRPC target.
std::string target_of(const std::string& address) {
  return absl::StartsWith(address, "unix://") ? address : "unix://" + address;
}

absl::Status to_status(const grpc::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

// The channel and its stubs are made on first use: creating a channel initialises gRPC (its
// timer and executor threads), which most shims never need (the module is in the rootfs).
class ContainerdContent : public ImageContent {
 public:
  ContainerdContent(std::string target, std::string ns)
      : target_(std::move(target)), ns_(std::move(ns)) {}

  absl::StatusOr<std::string> container_image(const std::string& id) override {
    connect();
    grpc::ClientContext ctx;
    prepare(ctx);
    containers::GetContainerRequest req;
    req.set_id(id);
    containers::GetContainerResponse resp;
    if (absl::Status s =
            to_status(containers_->Get(&ctx, req, &resp), "containerd: container " + id);
        !s.ok()) {
      return s;
    }
    return resp.container().image();
  }

  absl::StatusOr<oci::Descriptor> image_target(const std::string& image) override {
    connect();
    grpc::ClientContext ctx;
    prepare(ctx);
    images::GetImageRequest req;
    req.set_name(image);
    images::GetImageResponse resp;
    if (absl::Status s = to_status(images_->Get(&ctx, req, &resp), "containerd: image " + image);
        !s.ok()) {
      return s;
    }
    const auto& t = resp.image().target();
    return oci::Descriptor{t.media_type(), t.digest(), t.size()};
  }

  absl::StatusOr<std::string> read_blob(const std::string& digest, int64_t max_bytes) override {
    std::string out;
    absl::Status s = stream_blob(digest, max_bytes, [&out](absl::string_view chunk) {
      out.append(chunk.data(), chunk.size());
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return out;
  }

  absl::Status stream_blob(const std::string& digest, int64_t max_bytes,
                           const std::function<absl::Status(absl::string_view)>& sink) override {
    connect();
    grpc::ClientContext ctx;
    // 10 s plus one second per 16 MiB the blob may hold: a large module is not cut off.
    prepare(ctx, std::chrono::seconds(std::max<int64_t>(max_bytes, 0) >> 24));
    content::ReadContentRequest req;
    req.set_digest(digest);
    std::unique_ptr<grpc::ClientReader<content::ReadContentResponse>> reader =
        content_->Read(&ctx, req);
    int64_t done = 0;
    content::ReadContentResponse chunk;
    auto stop = [&](absl::Status s) {
      ctx.TryCancel();
      reader->Finish();
      return s;
    };
    while (reader->Read(&chunk)) {
      if (chunk.offset() != done) {
        return stop(absl::InternalError(absl::StrCat("containerd: content ", digest, ": chunk at ",
                                                     chunk.offset(), ", expected ", done)));
      }
      if (done + static_cast<int64_t>(chunk.data().size()) > max_bytes) {
        return stop(absl::FailedPreconditionError(
            absl::StrCat("containerd: content ", digest, ": larger than ", max_bytes, " bytes")));
      }
      if (absl::Status s = sink(chunk.data()); !s.ok()) return stop(s);
      done += static_cast<int64_t>(chunk.data().size());
    }
    return to_status(reader->Finish(), "containerd: content " + digest);
  }

 private:
  void connect() {
    std::call_once(connected_, [this] {
      std::shared_ptr<grpc::Channel> channel =
          grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
      containers_ = containers::Containers::NewStub(channel);
      images_ = images::Images::NewStub(channel);
      content_ = content::Content::NewStub(channel);
    });
  }

  void prepare(grpc::ClientContext& ctx,
               std::chrono::seconds extra = std::chrono::seconds(0)) const {
    ctx.AddMetadata("containerd-namespace", ns_);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10) + extra);
  }

  std::string target_;
  std::once_flag connected_;
  std::unique_ptr<containers::Containers::Stub> containers_;
  std::unique_ptr<images::Images::Stub> images_;
  std::unique_ptr<content::Content::Stub> content_;
  std::string ns_;
};

}  // namespace

std::shared_ptr<ImageContent> containerd_image_content(const std::string& address,
                                                       const std::string& ns) {
  return std::make_shared<ContainerdContent>(target_of(address), ns);
}

absl::StatusOr<std::string> containerd_version(const std::string& address,
                                               std::chrono::milliseconds timeout) {
  auto stub = containerd::services::version::v1::Version::NewStub(
      grpc::CreateChannel(target_of(address), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  google::protobuf::Empty req;
  containerd::services::version::v1::VersionResponse resp;
  if (absl::Status s = to_status(stub->Version(&ctx, req, &resp),
                                 absl::StrCat("containerd at ", address, ": version"));
      !s.ok()) {
    return s;
  }
  return resp.version();
}

}  // namespace ws::shim
