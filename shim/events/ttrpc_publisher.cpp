// The events queue and its worker: one Forward call at a time, in queue order.
#include "shim/events/ttrpc_publisher.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "proto/any.h"
#include "proto/containerd/services/ttrpc/events/v1/events.pb.h"
#include "support/log.h"

namespace ws::shim {
namespace {

constexpr const char* kEventsService = "containerd.services.events.ttrpc.v1.Events";

}  // namespace

TtrpcPublisher::TtrpcPublisher(std::string address, std::string ns, PublisherOptions options)
    : address_(std::move(address)), ns_(std::move(ns)), options_(options) {
  worker_ = std::thread([this] { run(); });
}

TtrpcPublisher::~TtrpcPublisher() {
  flush(absl::Seconds(2));
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void TtrpcPublisher::publish(const std::string& topic, const google::protobuf::MessageLite& event) {
  ::containerd::services::events::ttrpc::v1::ForwardRequest req;
  auto* env = req.mutable_envelope();
  int64_t ns = absl::ToUnixNanos(absl::Now());
  env->mutable_timestamp()->set_seconds(ns / 1000000000);
  env->mutable_timestamp()->set_nanos(static_cast<int32_t>(ns % 1000000000));
  env->set_namespace_(ns_);
  env->set_topic(topic);
  proto::PackBare(event, env->mutable_event());
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_.size() >= options_.max_queued) {
    support::log_error(absl::StrCat("events queue full: dropping ", topic));
    return;
  }
  queue_.push_back(Item{topic, req.SerializeAsString()});
  changed_.notify_all();
}

bool TtrpcPublisher::flush(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                           [this] { return queue_.empty() && !busy_; });
}

void TtrpcPublisher::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ and nothing left
    Item item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    if (!deliver(item)) support::log_error(absl::StrCat("events: gave up on ", item.topic));
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

bool TtrpcPublisher::deliver(const Item& item) {
  absl::Duration delay = options_.first_delay;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    if (!client_ || client_->closed()) {
      absl::StatusOr<std::unique_ptr<ttrpc::Client>> c =
          ttrpc::Client::connect(address_, options_.call_timeout);
      if (c.ok()) {
        client_ = std::move(*c);
      } else {
        client_.reset();
        support::log_warning(
            absl::StrCat("events: cannot reach ", address_, ": ", c.status().ToString()));
      }
    }
    if (client_) {
      ttrpc::CallOptions opts;
      opts.timeout = options_.call_timeout;
      absl::StatusOr<std::string> r = client_->call(kEventsService, "Forward", item.request, opts);
      if (r.ok()) return true;
      support::log_warning(
          absl::StrCat("events: forwarding ", item.topic, " failed: ", r.status().ToString()));
      // containerd answered with an error about this event: retrying cannot help.
      if (r.status().code() != absl::StatusCode::kUnavailable &&
          r.status().code() != absl::StatusCode::kDeadlineExceeded) {
        return false;
      }
      client_.reset();
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_) return false;
    }
    absl::SleepFor(delay);
    delay *= 2;
  }
  return false;
}

}  // namespace ws::shim
