// Transport-agnostic RPC services: handlers keyed by (service, method) over serialized bytes.
// The ttrpc server dispatches into a ServiceRegistry; a gRPC transport can reuse the same one.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ws::shim::ttrpc {

// Request metadata in wire order; a key may repeat.
using Metadata = std::vector<std::pair<std::string, std::string>>;

// The metadata key containerd puts the namespace under on every task call.
inline constexpr std::string_view kNamespaceMetadataKey = "containerd-namespace-ttrpc";

// A one-way switch that tells running calls to stop (peer gone, server stopping). Built on std
// primitives so ThreadSanitizer sees its synchronisation.
class Cancellation {
 public:
  void cancel();  // idempotent
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Blocks until cancel() or `deadline`; returns cancelled().
  bool wait_until(absl::Time deadline) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::atomic<bool> cancelled_{false};
};

// What a handler knows about its call besides the request bytes.
class CallContext {
 public:
  // `cancel` is triggered when the call should stop (peer gone, server stopping); may be null.
  CallContext(std::string service, std::string method, Metadata metadata,
              absl::Time deadline = absl::InfiniteFuture(),
              std::shared_ptr<const Cancellation> cancel = nullptr);

  const std::string& service() const { return service_; }
  const std::string& method() const { return method_; }
  const Metadata& metadata() const { return metadata_; }
  // Values of `key` (ASCII case-insensitive), in wire order.
  std::vector<std::string_view> metadata_values(std::string_view key) const;
  // The first value of `key`, if any.
  std::optional<std::string_view> metadata_value(std::string_view key) const;
  // From the request's timeout; InfiniteFuture() when the caller set none.
  absl::Time deadline() const { return deadline_; }
  // True once the peer went away, the server is stopping or the deadline passed.
  bool cancelled() const;
  // Blocks until cancelled() or `timeout` elapsed; returns cancelled(). For handlers that wait.
  bool wait_cancelled(absl::Duration timeout) const;

 private:
  std::string service_;
  std::string method_;
  Metadata metadata_;
  absl::Time deadline_;
  std::shared_ptr<const Cancellation> cancel_;
};

// A unary method: request bytes in, reply bytes (or a gRPC-coded status) out. Handlers run
// concurrently, one thread per call, and must be thread-safe.
using Handler =
    std::function<absl::StatusOr<std::string>(const CallContext& ctx, std::string_view request)>;

// Service name ("containerd.task.v2.Task") -> method name ("Create") -> handler. Fill it before
// serving; afterwards it is read-only and shared between threads.
class ServiceRegistry {
 public:
  // ALREADY_EXISTS when the method is registered already; INVALID_ARGUMENT on empty names.
  absl::Status add(std::string_view service, std::string_view method, Handler handler);
  // Registers every method of `from` under `to` too (task v3 = task v2 handlers).
  absl::Status alias(std::string_view from, std::string_view to);
  bool has(std::string_view service, std::string_view method) const;
  // Runs the handler; UNIMPLEMENTED "service X" / "method X" when there is none, INTERNAL
  // when the handler throws.
  absl::StatusOr<std::string> dispatch(const CallContext& ctx, std::string_view request) const;

 private:
  std::map<std::string, std::map<std::string, Handler, std::less<>>, std::less<>> services_;
};

}  // namespace ws::shim::ttrpc
