// One reactor per call: read the single request, run the handler on its own thread (Wait
// blocks for as long as the task runs), write the reply and finish.
#include "shim/server/grpc_server.h"

#include <unistd.h>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace ws::shim {
namespace {

std::string to_string(const grpc::ByteBuffer& buf) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buf.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

class UnaryReactor : public grpc::ServerGenericBidiReactor {
 public:
  UnaryReactor(grpc::GenericCallbackServerContext* ctx,
               std::shared_ptr<const ttrpc::ServiceRegistry> registry)
      : ctx_(ctx),
        registry_(std::move(registry)),
        cancel_(std::make_shared<ttrpc::Cancellation>()) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    std::thread([this] { run(); }).detach();
  }

  void OnCancel() override { cancel_->cancel(); }

  void OnDone() override { delete this; }

 private:
  void run() {
    // ctx->method() is "/package.Service/Method".
    absl::string_view full = absl::StripPrefix(ctx_->method(), "/");
    size_t slash = full.rfind('/');
    std::string service(full.substr(0, slash == absl::string_view::npos ? 0 : slash));
    std::string method(slash == absl::string_view::npos ? full : full.substr(slash + 1));
    ttrpc::Metadata md;
    for (const auto& [k, v] : ctx_->client_metadata()) {
      md.emplace_back(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    }
    absl::Time deadline = absl::FromChrono(ctx_->deadline());
    ttrpc::CallContext call(service, method, std::move(md), deadline, cancel_);
    absl::StatusOr<std::string> reply = registry_->dispatch(call, to_string(request_));
    if (!reply.ok()) {
      Finish(grpc::Status(static_cast<grpc::StatusCode>(reply.status().code()),
                          std::string(reply.status().message())));
      return;
    }
    grpc::Slice slice(*reply);
    response_ = grpc::ByteBuffer(&slice, 1);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  grpc::GenericCallbackServerContext* ctx_;
  std::shared_ptr<const ttrpc::ServiceRegistry> registry_;
  std::shared_ptr<ttrpc::Cancellation> cancel_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class Service : public grpc::CallbackGenericService {
 public:
  explicit Service(std::shared_ptr<const ttrpc::ServiceRegistry> r) : registry_(std::move(r)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new UnaryReactor(ctx, registry_);
  }

 private:
  std::shared_ptr<const ttrpc::ServiceRegistry> registry_;
};

}  // namespace

GrpcServer::GrpcServer(std::shared_ptr<const ttrpc::ServiceRegistry> registry)
    : registry_(std::move(registry)), service_(std::make_unique<Service>(registry_)) {}

GrpcServer::~GrpcServer() { shutdown(absl::ZeroDuration()); }

absl::Status GrpcServer::listen(const std::string& address) {
  socket_path_ = std::string(absl::StripPrefix(address, "unix://"));
  unlink(socket_path_.c_str());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("unix:" + socket_path_, grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_) return absl::UnavailableError(absl::StrCat("grpc: cannot listen on ", address));
  return absl::OkStatus();
}

void GrpcServer::wait() {
  if (server_) server_->Wait();
}

void GrpcServer::shutdown(absl::Duration grace) {
  if (!server_) return;
  std::call_once(shutdown_once_, [&] {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    if (!socket_path_.empty()) unlink(socket_path_.c_str());
  });
}

}  // namespace ws::shim
