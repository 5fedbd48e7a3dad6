// ttrpc server on a unix socket: many connections, many concurrent calls per connection.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shim/ttrpc/service.h"
#include "shim/ttrpc/socket.h"

namespace ws::shim::ttrpc {

struct ServerOptions {
  // Calls in flight per connection; a request beyond it is answered RESOURCE_EXHAUSTED.
  size_t max_calls_per_connection = 1024;
  // Told about connection-level faults: truncated or malformed frames, read errors. Optional;
  // called from connection threads.
  std::function<void(const absl::Status&)> on_error;
};

// Each connection has a reader thread; each request runs its handler on a worker thread of its
// own (workers are reused, a new one starts when all are busy), so a blocking call (Wait) never
// stalls later calls on the same connection. Replies go out in completion order, tagged with the
// request's stream id.
class Server {
 public:
  explicit Server(std::shared_ptr<const ServiceRegistry> services, ServerOptions options = {});
  ~Server();  // shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds `address` ("unix:///path" or "/path") and serves it on a background thread. The
  // socket file is removed again at shutdown.
  absl::Status listen(std::string_view address);
  // Serves a socket that is already listening (e.g. inherited from the `start` process).
  absl::Status serve(UniqueFd listener);

  // Asks the server to stop and returns at once; wait() and shutdown() finish the job. Only
  // writes to an eventfd, so it is safe from handlers and from signal handlers.
  void request_stop();
  // Blocks until request_stop() or shutdown() was called (or the listener failed).
  void wait();
  // Stops accepting, cancels every running call's context, waits up to `grace` for those
  // handlers to reply, then closes every connection. Requests arriving meanwhile are answered
  // UNAVAILABLE; handlers still running after `grace` finish on their own and their replies
  // are dropped. Idempotent; may be called from a handler (it does not wait for itself).
  void shutdown(absl::Duration grace = absl::Seconds(5));

  // Connections currently open (for tests and diagnostics).
  size_t connection_count() const;

  struct Shared;
  struct Connection;

 private:
  struct Entry {
    std::shared_ptr<Connection> conn;
    std::thread reader;
  };

  void accept_loop();
  void reap_finished_locked();

  std::shared_ptr<Shared> shared_;
  UniqueFd listener_;
  UniqueFd wake_;            // eventfd: readable once a stop was requested
  std::string socket_path_;  // removed at shutdown when listen() created it
  std::thread acceptor_;
  Cancellation stopped_;  // set once the accept loop has ended
  std::once_flag shutdown_once_;
  mutable std::mutex conns_mu_;
  std::list<Entry> conns_;
};

}  // namespace ws::shim::ttrpc
