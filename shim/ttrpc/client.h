// ttrpc client: unary calls over one unix-socket connection, many at a time from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shim/ttrpc/service.h"
#include "shim/ttrpc/socket.h"

namespace ws::shim::ttrpc {

struct CallOptions {
  // How long to wait for the reply; also sent to the server as the request's timeout.
  absl::Duration timeout = absl::InfiniteDuration();
  Metadata metadata;
};

// Stream ids are odd and increase from 1 as the protocol requires. A reader thread matches
// replies to callers, so calls from several threads proceed concurrently. The client does not
// reconnect: once closed() every call fails UNAVAILABLE and the owner dials a new one.
class Client {
 public:
  // Dials "unix:///path" or "/path" (TTRPC_ADDRESS is a plain path).
  static absl::StatusOr<std::unique_ptr<Client>> connect(
      std::string_view address, absl::Duration timeout = absl::Seconds(10));
  // Adopts a connected socket.
  explicit Client(UniqueFd fd);
  ~Client();  // close()
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (serialized message) to /service/method and returns the reply bytes, or
  // the server's status (same gRPC code), DEADLINE_EXCEEDED after options.timeout, UNAVAILABLE
  // when the connection is or becomes closed, RESOURCE_EXHAUSTED for a request over 4 MiB.
  absl::StatusOr<std::string> call(std::string_view service, std::string_view method,
                                   std::string_view request, const CallOptions& options = {});

  // Closes the connection; calls waiting for replies fail UNAVAILABLE. Idempotent.
  void close();
  bool closed() const;

 private:
  struct Pending {
    bool done = false;
    absl::StatusOr<std::string> result;
  };

  void read_loop();
  void fail_all_locked(const absl::Status& why);
  void complete(uint32_t stream_id, absl::StatusOr<std::string> result);

  UniqueFd fd_;
  std::mutex write_mu_;
  mutable std::mutex mu_;
  std::condition_variable replied_;
  std::map<uint32_t, std::shared_ptr<Pending>> pending_;
  uint32_t next_stream_id_ = 1;
  bool closed_ = false;
  absl::Status close_reason_;
  std::once_flag close_once_;
  std::thread reader_;
};

}  // namespace ws::shim::ttrpc
