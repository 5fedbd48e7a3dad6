// Registers the task service's methods with a ServiceRegistry as containerd.task.v2.Task and,
// with the same handlers (the messages are identical on the wire), containerd.task.v3.Task.
#pragma once

#include "absl/status/status.h"
#include "shim/task/task_service.h"
#include "shim/ttrpc/service.h"

namespace ws::shim {

inline constexpr const char* kTaskServiceV2 = "containerd.task.v2.Task";
inline constexpr const char* kTaskServiceV3 = "containerd.task.v3.Task";

absl::Status register_task_service(TaskService& service, ttrpc::ServiceRegistry& registry);

}  // namespace ws::shim
