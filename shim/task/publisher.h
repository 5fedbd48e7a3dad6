// Where the task service sends its events (/tasks/create, /tasks/exit, ...).
#pragma once

#include <string>

#include <google/protobuf/message_lite.h>

namespace ws::shim {

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Queues `event` under `topic`; events reach containerd in the order they were queued, so
  // the task service queues them while it holds its state lock.
  virtual void publish(const std::string& topic, const google::protobuf::MessageLite& event) = 0;
};

}  // namespace ws::shim
