// ttrpc server (see server.h).
#include "shim/ttrpc/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/ttrpc/request.pb.h"
#include "shim/ttrpc/frame.h"
#include "shim/ttrpc/status.h"

namespace ws::shim::ttrpc {

// State that handler threads share with the server; it outlives the Server when a handler is
// still running after shutdown's grace period.
struct Server::Shared {
  std::shared_ptr<const ServiceRegistry> services;
  ServerOptions options;
  std::mutex mu;
  std::condition_variable idle;
  size_t in_flight = 0;
  std::atomic<bool> stopping{false};  // shutdown began: new requests are refused

  // Handler threads are reused: a call goes to a waiting worker, or to a new thread when every
  // worker is busy (a blocking Wait must never delay another call). Creating a thread (stack,
  // malloc arena, exit) per call was a tenth of a short-lived shim's CPU.
  std::condition_variable work;
  std::deque<std::function<void()>> queue;  // calls no worker has taken yet
  size_t waiting = 0;                       // workers blocked on `work`

  void report(const absl::Status& status) const {
    if (options.on_error) options.on_error(status);
  }
  void call_done() {
    std::lock_guard lock(mu);
    --in_flight;
    idle.notify_all();
  }
  // Runs `call` on a worker; false when no thread could be started for it (nothing queued).
  bool submit(std::shared_ptr<Shared> self, std::function<void()> call);
  void worker();
};

struct Server::Connection {
  explicit Connection(UniqueFd f) : fd(std::move(f)) {}

  // One whole frame per write so concurrent replies never interleave.
  void send(const std::string& frame) {
    std::lock_guard lock(write_mu);
    (void)write_all(fd.get(), frame);  // a peer that left just misses the reply
  }
  void send_status(uint32_t stream_id, const absl::Status& status) {
    ::ttrpc::Response resp;
    *resp.mutable_status() = to_rpc_status(status);
    if (auto frame = encode_frame(stream_id, MessageType::kResponse, 0, resp.SerializeAsString());
        frame.ok()) {
      send(*frame);
    }
  }
  // Wakes the reader and tells running calls to stop; the fd stays open for their replies.
  void close() {
    cancel->cancel();
    ::shutdown(fd.get(), SHUT_RDWR);
  }

  UniqueFd fd;
  std::mutex write_mu;
  std::shared_ptr<Cancellation> cancel = std::make_shared<Cancellation>();
  std::atomic<size_t> calls{0};
  std::atomic<bool> finished{false};
};

namespace {

// Set on handler threads so shutdown() called from a handler does not wait for itself.
thread_local const Server::Shared* tl_handler_of = nullptr;

// Idle workers kept per server, and how long one waits for a call before it leaves: a shim that
// serves a burst keeps a couple of threads warm, an idle one (a long-running container) has
// none.
constexpr size_t kMaxWaitingWorkers = 2;
constexpr auto kWorkerIdleTimeout = std::chrono::seconds(10);

}  // namespace

bool Server::Shared::submit(std::shared_ptr<Shared> self, std::function<void()> call) {
  std::unique_lock lock(mu);
  queue.push_back(std::move(call));
  // Every queued call beyond the waiting workers needs a thread of its own.
  if (queue.size() <= waiting) {
    work.notify_one();
    return true;
  }
  try {
    std::thread([self = std::move(self)] { self->worker(); }).detach();
  } catch (const std::system_error&) {
    queue.pop_back();
    return false;
  }
  return true;
}

void Server::Shared::worker() {
  tl_handler_of = this;
  std::unique_lock lock(mu);
  for (;;) {
    while (queue.empty()) {
      if (stopping.load() || waiting >= kMaxWaitingWorkers) return;
      ++waiting;
      bool woken = work.wait_for(lock, kWorkerIdleTimeout,
                                 [&] { return !queue.empty() || stopping.load(); });
      --waiting;
      if (!woken) return;
    }
    std::function<void()> call = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    call();
    call = nullptr;  // the call's captures (connection, request) go before the next wait
    lock.lock();
  }
}

namespace {

absl::Time deadline_of(const ::ttrpc::Request& req) {
  if (req.timeout_nano() == 0) return absl::InfiniteFuture();
  return absl::Now() + absl::Nanoseconds(req.timeout_nano());
}

std::string response_frame(uint32_t stream_id, const absl::StatusOr<std::string>& result) {
  ::ttrpc::Response resp;
  if (result.ok()) {
    resp.mutable_status();  // code 0, as Go's server always sends a status
    resp.set_payload(*result);
  } else {
    *resp.mutable_status() = to_rpc_status(result.status());
  }
  auto frame = encode_frame(stream_id, MessageType::kResponse, 0, resp.SerializeAsString());
  if (frame.ok()) return *std::move(frame);
  resp.Clear();
  *resp.mutable_status() = to_rpc_status(absl::ResourceExhaustedError(
      absl::StrCat("reply of stream ", stream_id, ": ", frame.status().message())));
  return *encode_frame(stream_id, MessageType::kResponse, 0, resp.SerializeAsString());
}

void run_call(std::shared_ptr<Server::Shared> shared, std::shared_ptr<Server::Connection> conn,
              uint32_t stream_id, ::ttrpc::Request req) {
  {
    Metadata md;
    md.reserve(static_cast<size_t>(req.metadata_size()));
    for (auto& kv : *req.mutable_metadata()) {
      md.emplace_back(std::move(*kv.mutable_key()), std::move(*kv.mutable_value()));
    }
    CallContext ctx(std::move(*req.mutable_service()), std::move(*req.mutable_method()),
                    std::move(md), deadline_of(req), conn->cancel);
    conn->send(response_frame(stream_id, shared->services->dispatch(ctx, req.payload())));
  }
  conn->calls.fetch_sub(1);
  shared->call_done();
}

// Handles one frame read from `conn`; `last_stream_id` enforces increasing client ids.
void on_frame(const std::shared_ptr<Server::Shared>& shared,
              const std::shared_ptr<Server::Connection>& conn, Frame frame,
              uint32_t& last_stream_id) {
  const uint32_t id = frame.header.stream_id;
  if (frame.oversized) {
    conn->send_status(id, absl::ResourceExhaustedError(
                              absl::StrCat("message length ", frame.header.length,
                                           " exceeds maximum message size ", kMaxMessageSize)));
    return;
  }
  if (id % 2 != 1) {
    conn->send_status(
        id, absl::InvalidArgumentError("StreamID must be odd for client initiated streams"));
    return;
  }
  if (frame.header.type == static_cast<uint8_t>(MessageType::kData)) {
    conn->send_status(id, absl::InvalidArgumentError("StreamID is no longer active"));
    return;
  }
  if (frame.header.type != static_cast<uint8_t>(MessageType::kRequest)) return;  // future types
  if (id <= last_stream_id) {
    conn->send_status(id,
                      absl::InvalidArgumentError("StreamID cannot be re-used and must increment"));
    return;
  }
  last_stream_id = id;
  if (shared->stopping.load()) {
    conn->send_status(id, absl::UnavailableError("ttrpc server is shutting down"));
    return;
  }
  ::ttrpc::Request req;
  if (!req.ParseFromString(frame.payload)) {
    conn->send_status(
        id, absl::InvalidArgumentError(absl::StrCat("unmarshal request error: stream ", id,
                                                    " carries no valid ttrpc.Request")));
    return;
  }
  if (conn->calls.load() >= shared->options.max_calls_per_connection) {
    conn->send_status(id, absl::ResourceExhaustedError(
                              absl::StrCat("too many calls in flight on this connection (",
                                           shared->options.max_calls_per_connection, ")")));
    return;
  }
  conn->calls.fetch_add(1);
  {
    std::lock_guard lock(shared->mu);
    ++shared->in_flight;
  }
  auto call = [shared, conn, id, req = std::make_shared<::ttrpc::Request>(std::move(req))] {
    run_call(shared, conn, id, std::move(*req));
  };
  if (!shared->submit(shared, std::move(call))) {
    conn->calls.fetch_sub(1);
    shared->call_done();
    conn->send_status(id, absl::ResourceExhaustedError("cannot start a thread for the call"));
  }
}

void read_loop(std::shared_ptr<Server::Shared> shared, std::shared_ptr<Server::Connection> conn) {
  FrameDecoder decoder;
  uint32_t last_stream_id = 0;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    ssize_t n = ::read(conn->fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno != ECONNRESET && !conn->cancel->cancelled()) {
        shared->report(
            absl::UnavailableError(absl::StrCat("ttrpc connection read: ", std::strerror(errno))));
      }
      break;
    }
    if (n == 0) {
      if (absl::Status s = decoder.finish(); !s.ok() && !conn->cancel->cancelled()) {
        shared->report(absl::DataLossError(absl::StrCat("ttrpc client went away: ", s.message())));
      }
      break;
    }
    decoder.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    while (auto frame = decoder.next()) on_frame(shared, conn, *std::move(frame), last_stream_id);
  }
  conn->close();
  conn->finished.store(true);
}

}  // namespace

Server::Server(std::shared_ptr<const ServiceRegistry> services, ServerOptions options)
    : shared_(std::make_shared<Shared>()) {
  shared_->services = std::move(services);
  shared_->options = std::move(options);
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
}

Server::~Server() { shutdown(); }

absl::Status Server::listen(std::string_view address) {
  auto path = socket_path(address);
  if (!path.ok()) return path.status();
  auto fd = listen_unix(address);
  if (!fd.ok()) return fd.status();
  absl::Status s = serve(*std::move(fd));
  if (s.ok()) {
    socket_path_ = *path;
  } else {
    ::unlink(path->c_str());
  }
  return s;
}

absl::Status Server::serve(UniqueFd listener) {
  if (!wake_.valid()) return absl::InternalError("eventfd failed; the server cannot run");
  if (listener_.valid() || stopped_.cancelled()) {
    return absl::FailedPreconditionError("the ttrpc server is serving or was shut down already");
  }
  listener_ = std::move(listener);
  acceptor_ = std::thread([this] { accept_loop(); });
  return absl::OkStatus();
}

void Server::request_stop() {
  uint64_t one = 1;
  if (wake_.valid()) (void)!::write(wake_.get(), &one, sizeof(one));
}

void Server::wait() { stopped_.wait_until(absl::InfiniteFuture()); }

void Server::accept_loop() {
  for (;;) {
    pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN) != 0) break;
    if ((fds[0].revents & (POLLERR | POLLNVAL)) != 0) {
      shared_->report(absl::InternalError("ttrpc listener failed; no new connections"));
      break;
    }
    if ((fds[0].revents & POLLIN) == 0) continue;
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        shared_->report(
            absl::ResourceExhaustedError(absl::StrCat("ttrpc accept: ", std::strerror(errno))));
        ::poll(nullptr, 0, 100);  // back off instead of spinning on a full fd table
      }
      continue;
    }
    std::lock_guard lock(conns_mu_);
    reap_finished_locked();
    auto conn = std::make_shared<Connection>(std::move(fd));
    try {
      conns_.push_back({conn, std::thread(read_loop, shared_, conn)});
    } catch (const std::system_error& e) {
      shared_->report(absl::ResourceExhaustedError(
          absl::StrCat("ttrpc: no thread for a new connection: ", e.what())));
    }
  }
  stopped_.cancel();
}

void Server::reap_finished_locked() {
  for (auto it = conns_.begin(); it != conns_.end();) {
    if (it->conn->finished.load()) {
      it->reader.join();
      it = conns_.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::shutdown(absl::Duration grace) {
  std::call_once(shutdown_once_, [&] {
    request_stop();
    if (acceptor_.joinable()) {
      acceptor_.join();
    } else if (!stopped_.cancelled()) {
      stopped_.cancel();
    }
    listener_.reset();
    if (!socket_path_.empty()) ::unlink(socket_path_.c_str());
    // Cancel running calls first and give them `grace` to reply, then close the connections.
    {
      std::lock_guard lock(shared_->mu);  // a worker checks `stopping` under it before waiting
      shared_->stopping.store(true);
    }
    shared_->work.notify_all();  // waiting workers leave
    std::list<Entry> conns;
    {
      std::lock_guard lock(conns_mu_);
      conns.swap(conns_);
    }
    for (Entry& e : conns) e.conn->cancel->cancel();
    const size_t self = tl_handler_of == shared_.get() ? 1 : 0;
    {
      auto drained = [&] { return shared_->in_flight <= self; };
      std::unique_lock lock(shared_->mu);
      if (grace == absl::InfiniteDuration()) {
        shared_->idle.wait(lock, drained);
      } else {
        shared_->idle.wait_for(lock, absl::ToChronoNanoseconds(grace), drained);
      }
    }
    for (Entry& e : conns) e.conn->close();
    for (Entry& e : conns) e.reader.join();
  });
}

size_t Server::connection_count() const {
  std::lock_guard lock(conns_mu_);
  size_t n = 0;
  for (const Entry& e : conns_) n += e.conn->finished.load() ? 0 : 1;
  return n;
}

}  // namespace ws::shim::ttrpc
