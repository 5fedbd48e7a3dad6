// One typed handler per RPC; errors are logged once, here, at the RPC edge.
#include "shim/server/task_binding.h"

#include <google/protobuf/empty.pb.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "shim/ttrpc/proto_call.h"
#include "support/log.h"

namespace ws::shim {
namespace {

using Empty = google::protobuf::Empty;

template <typename Req, typename Resp>
absl::Status bind(ttrpc::ServiceRegistry& reg, const char* method,
                  std::function<absl::StatusOr<Resp>(const Req&)> fn) {
  std::string name = method;
  return reg.add(
      kTaskServiceV2, method,
      ttrpc::proto_handler<Req, Resp>(
          [fn = std::move(fn), name](const ttrpc::CallContext&,
                                     const Req& req) -> absl::StatusOr<Resp> {
            const absl::Time begin = absl::Now();
            absl::StatusOr<Resp> out = fn(req);
            if (!out.ok()) {
              support::log(out.status().code() == absl::StatusCode::kNotFound
                               ? support::LogLevel::kDebug
                               : support::LogLevel::kWarning,
                           absl::StrCat(name, ": ", out.status().ToString()));
            } else {
              // The phase timings bench/containers reads from the shim log.
              support::log_debug(absl::StrCat(
                  name, " ok took=",
                  absl::FormatDuration(absl::Trunc(absl::Now() - begin, absl::Microseconds(1)))));
            }
            return out;
          }));
}

// For RPCs that answer google.protobuf.Empty.
template <typename Req>
absl::Status bind_empty(ttrpc::ServiceRegistry& reg, const char* method,
                        std::function<absl::Status(const Req&)> fn) {
  return bind<Req, Empty>(reg, method, [fn = std::move(fn)](const Req& r) -> absl::StatusOr<Empty> {
    absl::Status s = fn(r);
    if (!s.ok()) return s;
    return Empty();
  });
}

}  // namespace

absl::Status register_task_service(TaskService& s, ttrpc::ServiceRegistry& reg) {
  absl::Status st;
  auto add = [&](absl::Status r) {
    if (st.ok()) st = r;
  };
  add(bind<taskapi::StateRequest, taskapi::StateResponse>(
      reg, "State", [&s](const auto& r) { return s.state(r); }));
  add(bind<taskapi::CreateTaskRequest, taskapi::CreateTaskResponse>(
      reg, "Create", [&s](const auto& r) { return s.create(r); }));
  add(bind<taskapi::StartRequest, taskapi::StartResponse>(
      reg, "Start", [&s](const auto& r) { return s.start(r); }));
  add(bind<taskapi::DeleteRequest, taskapi::DeleteResponse>(
      reg, "Delete", [&s](const auto& r) { return s.remove(r); }));
  add(bind<taskapi::PidsRequest, taskapi::PidsResponse>(reg, "Pids",
                                                        [&s](const auto& r) { return s.pids(r); }));
  add(bind_empty<taskapi::PauseRequest>(reg, "Pause", [&s](const auto& r) { return s.pause(r); }));
  add(bind_empty<taskapi::ResumeRequest>(reg, "Resume",
                                         [&s](const auto& r) { return s.resume(r); }));
  add(bind_empty<taskapi::CheckpointTaskRequest>(reg, "Checkpoint",
                                                 [&s](const auto& r) { return s.checkpoint(r); }));
  add(bind_empty<taskapi::KillRequest>(reg, "Kill", [&s](const auto& r) { return s.kill(r); }));
  add(bind_empty<taskapi::ExecProcessRequest>(reg, "Exec",
                                              [&s](const auto& r) { return s.exec(r); }));
  add(bind_empty<taskapi::ResizePtyRequest>(reg, "ResizePty",
                                            [&s](const auto& r) { return s.resize_pty(r); }));
  add(bind_empty<taskapi::CloseIORequest>(reg, "CloseIO",
                                          [&s](const auto& r) { return s.close_io(r); }));
  add(bind_empty<taskapi::UpdateTaskRequest>(reg, "Update",
                                             [&s](const auto& r) { return s.update(r); }));
  add(bind<taskapi::WaitRequest, taskapi::WaitResponse>(reg, "Wait",
                                                        [&s](const auto& r) { return s.wait(r); }));
  add(bind<taskapi::StatsRequest, taskapi::StatsResponse>(
      reg, "Stats", [&s](const auto& r) { return s.stats(r); }));
  add(bind<taskapi::ConnectRequest, taskapi::ConnectResponse>(
      reg, "Connect", [&s](const auto& r) { return s.connect(r); }));
  add(bind_empty<taskapi::ShutdownRequest>(reg, "Shutdown",
                                           [&s](const auto& r) { return s.shutdown(r); }));
  if (st.ok()) st = reg.alias(kTaskServiceV2, kTaskServiceV3);
  return st;
}

}  // namespace ws::shim
