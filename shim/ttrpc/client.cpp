// ttrpc client (see client.h).
#include "shim/ttrpc/client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "proto/ttrpc/request.pb.h"
#include "shim/ttrpc/absl_compat.h"
#include "shim/ttrpc/frame.h"
#include "shim/ttrpc/status.h"

namespace ws::shim::ttrpc {

absl::StatusOr<std::unique_ptr<Client>> Client::connect(std::string_view address,
                                                        absl::Duration timeout) {
  auto fd = connect_unix(address, timeout);
  if (!fd.ok()) return fd.status();
  return std::make_unique<Client>(*std::move(fd));
}

Client::Client(UniqueFd fd) : fd_(std::move(fd)) {
  reader_ = std::thread([this] { read_loop(); });
}

Client::~Client() { close(); }

void Client::close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(mu_);
      if (!closed_) fail_all_locked(absl::UnavailableError("ttrpc client closed"));
    }
    ::shutdown(fd_.get(), SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
  });
}

bool Client::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void Client::fail_all_locked(const absl::Status& why) {
  closed_ = true;
  close_reason_ = why;
  for (auto& [id, pending] : pending_) {
    pending->done = true;
    pending->result = why;
  }
  pending_.clear();
  replied_.notify_all();
}

void Client::complete(uint32_t stream_id, absl::StatusOr<std::string> result) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(stream_id);
  if (it == pending_.end()) return;  // the caller gave up (timeout); drop the late reply
  it->second->done = true;
  it->second->result = std::move(result);
  pending_.erase(it);
  replied_.notify_all();
}

void Client::read_loop() {
  FrameDecoder decoder;
  std::vector<char> buf(64 * 1024);
  absl::Status why;
  for (;;) {
    ssize_t n = ::read(fd_.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      why = absl::UnavailableError(absl::StrCat("ttrpc connection read: ", std::strerror(errno)));
      break;
    }
    if (n == 0) {
      absl::Status tail = decoder.finish();
      why = absl::UnavailableError(
          tail.ok() ? std::string("ttrpc connection closed by the server")
                    : absl::StrCat("ttrpc connection closed by the server: ", tail.message()));
      break;
    }
    decoder.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    while (auto frame = decoder.next()) {
      const uint32_t id = frame->header.stream_id;
      if (frame->oversized) {
        complete(id, absl::ResourceExhaustedError(
                         absl::StrCat("reply length ", frame->header.length,
                                      " exceeds maximum message size ", kMaxMessageSize)));
        continue;
      }
      if (frame->header.type != static_cast<uint8_t>(MessageType::kResponse)) continue;
      ::ttrpc::Response resp;
      if (!resp.ParseFromString(frame->payload)) {
        complete(id, absl::InternalError(
                         absl::StrCat("stream ", id, ": reply is not a valid ttrpc.Response")));
        continue;
      }
      absl::Status status = from_rpc_status(resp.status());
      if (status.ok()) {
        complete(id, std::move(*resp.mutable_payload()));
      } else {
        complete(id, std::move(status));
      }
    }
  }
  std::lock_guard lock(mu_);
  if (!closed_) fail_all_locked(why);
}

absl::StatusOr<std::string> Client::call(std::string_view service, std::string_view method,
                                         std::string_view request, const CallOptions& options) {
  const absl::Time deadline = absl::Now() + options.timeout;
  ::ttrpc::Request req;
  req.set_service(std::string(service));
  req.set_method(std::string(method));
  req.set_payload(std::string(request));
  if (options.timeout != absl::InfiniteDuration()) {
    req.set_timeout_nano(std::max<int64_t>(1, absl::ToInt64Nanoseconds(options.timeout)));
  }
  for (const auto& [key, value] : options.metadata) {
    auto* kv = req.add_metadata();
    kv->set_key(key);
    kv->set_value(value);
  }

  const std::string body = req.SerializeAsString();
  if (body.size() > kMaxMessageSize) {
    return absl::ResourceExhaustedError(
        absl::StrCat("/", av(service), "/", av(method), " request: length ", body.size(),
                     " exceeds maximum message size ", kMaxMessageSize));
  }
  auto pending = std::make_shared<Pending>();
  uint32_t id;
  {
    // The server wants ids in increasing order, so taking an id and sending it happen under
    // one lock.
    std::lock_guard write_lock(write_mu_);
    {
      std::lock_guard lock(mu_);
      if (closed_) return absl::UnavailableError(close_reason_.message());
      if (next_stream_id_ > UINT32_MAX - 2) {
        return absl::UnavailableError("ttrpc connection ran out of stream ids; dial a new one");
      }
      id = next_stream_id_;
      next_stream_id_ += 2;
      pending_[id] = pending;
    }
    size_t written = 0;
    absl::Status sent =
        write_all(fd_.get(), *encode_frame(id, MessageType::kRequest, 0, body), deadline, &written);
    if (!sent.ok()) {
      std::lock_guard lock(mu_);
      pending_.erase(id);
      if (written > 0 && !closed_) {
        // Half a frame on the wire leaves the stream unusable: close it so later calls fail fast.
        fail_all_locked(absl::UnavailableError(
            "ttrpc connection abandoned: a request was cut off mid-frame by its deadline"));
        ::shutdown(fd_.get(), SHUT_RDWR);
      }
      return absl::Status(sent.code(),
                          absl::StrCat("/", av(service), "/", av(method), ": ", sent.message()));
    }
  }

  std::unique_lock lock(mu_);
  auto done = [&] { return pending->done; };
  if (options.timeout == absl::InfiniteDuration()) {
    replied_.wait(lock, done);
  } else if (!replied_.wait_for(lock, absl::ToChronoNanoseconds(deadline - absl::Now()), done)) {
    pending_.erase(id);
    return absl::DeadlineExceededError(absl::StrCat("/", av(service), "/", av(method),
                                                    ": no reply within ",
                                                    absl::FormatDuration(options.timeout)));
  }
  return std::move(pending->result);
}

}  // namespace ws::shim::ttrpc
