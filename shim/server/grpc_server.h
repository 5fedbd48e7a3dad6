// The gRPC transport (containerd 1.7+ with protocol "grpc": task v3): a generic callback
// service that hands every call to the same ServiceRegistry the ttrpc server uses.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shim/ttrpc/service.h"

namespace grpc {
class Server;
class CallbackGenericService;
}  // namespace grpc

namespace ws::shim {

class GrpcServer {
 public:
  explicit GrpcServer(std::shared_ptr<const ttrpc::ServiceRegistry> registry);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds "unix:///path" (the socket file is replaced if present) and starts serving.
  absl::Status listen(const std::string& address);
  // Blocks until shutdown() (from any thread, also a handler) has been called.
  void wait();
  // Stops accepting and cancels calls still running after `grace`. Idempotent.
  void shutdown(absl::Duration grace = absl::Seconds(3));

 private:
  std::shared_ptr<const ttrpc::ServiceRegistry> registry_;
  std::unique_ptr<grpc::CallbackGenericService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string socket_path_;
  std::once_flag shutdown_once_;
};

}  // namespace ws::shim
