// Publishes task events to containerd: Events/Forward on TTRPC_ADDRESS, in order, from a queue
// with reconnects and retries, so an event survives a containerd restart of a few seconds.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "shim/task/publisher.h"
#include "shim/ttrpc/client.h"

namespace ws::shim {

struct PublisherOptions {
  size_t max_queued = 2048;  // beyond this new events are dropped (logged)
  int attempts = 5;          // per event, with growing delay between them
  absl::Duration first_delay = absl::Milliseconds(100);
  absl::Duration call_timeout = absl::Seconds(5);
};

class TtrpcPublisher : public Publisher {
 public:
  // `address`: TTRPC_ADDRESS (a path, or unix://path); `ns`: the containerd namespace.
  TtrpcPublisher(std::string address, std::string ns, PublisherOptions options = {});
  ~TtrpcPublisher() override;  // flush(2 s), then stop

  void publish(const std::string& topic, const google::protobuf::MessageLite& event) override;
  // Waits until every queued event was delivered or given up, at most `timeout`; true if the
  // queue drained.
  bool flush(absl::Duration timeout);

 private:
  struct Item {
    std::string topic;
    std::string request;  // serialized ForwardRequest
  };
  void run();
  bool deliver(const Item& item);

  std::string address_;
  std::string ns_;
  PublisherOptions options_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Item> queue_;
  bool busy_ = false;  // the worker holds an item taken from the queue
  bool stop_ = false;
  std::unique_ptr<ttrpc::Client> client_;  // worker thread only
  std::thread worker_;
};

}  // namespace ws::shim
