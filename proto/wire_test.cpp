// Wire bytes of our .proto files against bytes computed by hand from containerd's field numbers.
#include <gtest/gtest.h>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "proto/any.h"
#include "proto/cgroups/v1/metrics.pb.h"
#include "proto/cgroups/v2/metrics.pb.h"
#include "proto/containerd/events/task.pb.h"
#include "proto/containerd/runtime/bootstrap/v1/bootstrap.pb.h"
#include "proto/containerd/runtime/task/v2/shim.pb.h"
#include "proto/containerd/runtime/task/v3/shim.grpc.pb.h"
#include "proto/containerd/runtime/task/v3/shim.pb.h"
#include "proto/containerd/services/ttrpc/events/v1/events.pb.h"
#include "proto/containerd/types/introspection.pb.h"
#include "proto/containerd/types/mount.pb.h"
#include "proto/containerd/types/runtimeoptions/v1/api.pb.h"
#include "proto/ttrpc/request.pb.h"

namespace {

// One piece of expected wire data: a single byte or a run of text.
struct Piece {
  Piece(int byte) : text(1, static_cast<char>(byte)) {}  // NOLINT: implicit by design
  Piece(const char* s) : text(s) {}                      // NOLINT: implicit by design
  std::string text;
};

std::string Wire(std::initializer_list<Piece> pieces) {
  std::string out;
  for (const Piece& p : pieces) out += p.text;
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

#define EXPECT_WIRE(message, expected) EXPECT_EQ(Hex((message).SerializeAsString()), Hex(expected))

TEST(ProtoWire, CreateTaskRequestFieldNumbers) {
  containerd::task::v2::CreateTaskRequest req;
  req.set_id("c1");
  req.set_bundle("/b");
  auto* m = req.add_rootfs();
  m->set_type("overlay");
  m->set_source("overlay");
  m->add_options("ro");
  req.set_terminal(true);
  req.set_stdin("i");
  req.set_stdout("o");
  req.set_stderr("e");
  req.set_checkpoint("k");
  req.set_parent_checkpoint("p");
  req.mutable_options()->set_type_url("t");
  EXPECT_WIRE(req,
              Wire({0x0a, 2,  "c1", 0x12, 2,         "/b",                        // id=1 bundle=2
                    0x1a, 22, 0x0a, 7,    "overlay", 0x12, 7,    "overlay",       // rootfs=3
                    0x22, 2,  "ro",                                               //   options=4
                    0x20, 1,                                                      // terminal=4
                    0x2a, 1,  "i",  0x32, 1,         "o",  0x3a, 1,         "e",  // stdio=5,6,7
                    0x42, 1,  "k",  0x4a, 1,         "p",                         // checkpoints=8,9
                    0x52, 3,  0x0a, 1,    "t"}));                                 // options=10
}

TEST(ProtoWire, TaskV3IsWireIdenticalToV2) {
  containerd::task::v2::CreateTaskRequest v2;
  v2.set_id("c1");
  v2.add_rootfs()->set_type("bind");
  v2.set_stderr("e");
  containerd::task::v3::CreateTaskRequest v3;
  ASSERT_TRUE(v3.ParseFromString(v2.SerializeAsString()));
  EXPECT_EQ(v3.id(), "c1");
  EXPECT_EQ(v3.rootfs(0).type(), "bind");
  EXPECT_EQ(v3.SerializeAsString(), v2.SerializeAsString());
}

TEST(ProtoWire, StateKillWaitConnectPids) {
  containerd::task::v2::StateResponse state;
  state.set_pid(7);
  state.set_status(containerd::v1::types::RUNNING);
  state.set_exit_status(1);
  state.set_exec_id("x");
  EXPECT_WIRE(state, Wire({0x18, 7, 0x20, 2, 0x48, 1, 0x5a, 1, "x"}));

  containerd::task::v2::KillRequest kill;
  kill.set_id("a");
  kill.set_signal(9);
  kill.set_all(true);
  EXPECT_WIRE(kill, Wire({0x0a, 1, "a", 0x18, 9, 0x20, 1}));

  containerd::task::v2::WaitResponse wait;
  wait.set_exit_status(137);
  wait.mutable_exited_at()->set_seconds(1);
  EXPECT_WIRE(wait, Wire({0x08, 0x89, 0x01, 0x12, 2, 0x08, 1}));

  containerd::task::v2::ConnectResponse connect;
  connect.set_shim_pid(1);
  connect.set_task_pid(2);
  connect.set_version("2");
  EXPECT_WIRE(connect, Wire({0x08, 1, 0x10, 2, 0x1a, 1, "2"}));

  containerd::task::v2::PidsResponse pids;
  pids.add_processes()->set_pid(7);
  EXPECT_WIRE(pids, Wire({0x0a, 2, 0x08, 7}));

  containerd::task::v2::DeleteResponse del;
  del.set_pid(3);
  del.set_exit_status(2);
  EXPECT_WIRE(del, Wire({0x08, 3, 0x10, 2}));

  containerd::task::v2::UpdateTaskRequest update;
  (*update.mutable_annotations())["k"] = "v";
  EXPECT_WIRE(update, Wire({0x1a, 6, 0x0a, 1, "k", 0x12, 1, "v"}));
}

TEST(ProtoWire, TaskExitAndForwardEnvelope) {
  containerd::events::TaskExit exit;
  exit.set_container_id("c");
  exit.set_id("c");
  exit.set_pid(42);
  exit.set_exit_status(137);
  exit.mutable_exited_at()->set_seconds(1);
  exit.mutable_exited_at()->set_nanos(2);
  const std::string exit_wire =
      Wire({0x0a, 1, "c", 0x12, 1, "c", 0x18, 42, 0x20, 0x89, 0x01, 0x2a, 4, 0x08, 1, 0x10, 2});
  EXPECT_WIRE(exit, exit_wire);

  containerd::services::events::ttrpc::v1::ForwardRequest fwd;
  auto* env = fwd.mutable_envelope();
  env->mutable_timestamp()->set_seconds(5);
  env->set_namespace_("default");
  env->set_topic("/tasks/exit");
  ws::proto::PackBare(exit, env->mutable_event());
  EXPECT_EQ(env->event().type_url(), "containerd.events.TaskExit");
  const std::string any_wire =
      Wire({0x0a, 26, "containerd.events.TaskExit", 0x12, static_cast<int>(exit_wire.size())}) +
      exit_wire;
  const std::string env_wire = Wire({0x0a, 2, 0x08, 5, 0x12, 7, "default", 0x1a, 11, "/tasks/exit",
                                     0x22, static_cast<int>(any_wire.size())}) +
                               any_wire;
  EXPECT_WIRE(fwd, Wire({0x0a, static_cast<int>(env_wire.size())}) + env_wire);

  containerd::events::TaskExit back;
  EXPECT_TRUE(ws::proto::UnpackBare(env->event(), &back));
  EXPECT_EQ(back.exit_status(), 137u);
  google::protobuf::Any prefixed = env->event();
  prefixed.set_type_url("type.googleapis.com/containerd.events.TaskExit");
  EXPECT_TRUE(ws::proto::UnpackBare(prefixed, &back));
  containerd::events::TaskStart wrong;
  EXPECT_FALSE(ws::proto::UnpackBare(env->event(), &wrong));
}

TEST(ProtoWire, OtherTaskEvents) {
  containerd::events::TaskCreate create;
  create.set_container_id("c");
  create.mutable_io()->set_terminal(true);
  create.set_pid(9);
  EXPECT_WIRE(create, Wire({0x0a, 1, "c", 0x22, 2, 0x20, 1, 0x30, 9}));

  containerd::events::TaskDelete del;
  del.set_exit_status(3);
  del.set_id("e");
  EXPECT_WIRE(del, Wire({0x18, 3, 0x2a, 1, "e"}));

  containerd::events::TaskExecStarted started;
  started.set_exec_id("e");
  started.set_pid(4);
  EXPECT_WIRE(started, Wire({0x12, 1, "e", 0x18, 4}));
}

TEST(ProtoWire, TtrpcRequestMatchesProtocolExample) {
  containerd::task::v2::ConnectRequest connect;
  connect.set_id("abc");
  ttrpc::Request req;
  req.set_service("containerd.task.v2.Task");
  req.set_method("Connect");
  req.set_payload(connect.SerializeAsString());
  auto* kv = req.add_metadata();
  kv->set_key("containerd-namespace-ttrpc");
  kv->set_value("default");
  const std::string expected =
      Wire({0x0a, 23, "containerd.task.v2.Task", 0x12, 7, "Connect", 0x1a, 5, 0x0a, 3, "abc", 0x2a,
            37, 0x0a, 26, "containerd-namespace-ttrpc", 0x12, 7, "default"});
  EXPECT_EQ(expected.size(), 80u);
  EXPECT_WIRE(req, expected);

  req.clear_metadata();
  req.set_timeout_nano(1000000000);  // 1 s: varint 80 94 eb dc 03
  EXPECT_WIRE(req, Wire({0x0a, 23, "containerd.task.v2.Task", 0x12, 7, "Connect", 0x1a, 5, 0x0a, 3,
                         "abc", 0x20, 0x80, 0x94, 0xeb, 0xdc, 0x03}));
}

TEST(ProtoWire, TtrpcResponseStatus) {
  ttrpc::Response resp;
  resp.mutable_status()->set_code(5);
  resp.mutable_status()->set_message("task abc not found");
  EXPECT_WIRE(resp, Wire({0x0a, 22, 0x08, 5, 0x12, 18, "task abc not found"}));
  resp.clear_status();
  resp.set_payload("xy");
  EXPECT_WIRE(resp, Wire({0x12, 2, "xy"}));
}

TEST(ProtoWire, CgroupMetrics) {
  io::containerd::cgroups::v2::Metrics v2;
  v2.mutable_memory()->set_usage(5);  // field 32: tag varint 80 02
  v2.mutable_memory_events()->set_oom_kill(1);
  v2.mutable_cpu()->set_usage_usec(3);
  EXPECT_WIRE(v2, Wire({0x12, 2, 0x08, 3, 0x22, 3, 0x80, 0x02, 5, 0x42, 2, 0x28, 1}));

  io::containerd::cgroups::v1::Metrics v1;
  v1.mutable_cpu()->mutable_usage()->set_total(4);
  v1.mutable_memory()->mutable_usage()->set_usage(6);  // field 33: tag 8a 02
  v1.mutable_memory_oom_control()->set_oom_kill(1);
  EXPECT_WIRE(v1,
              Wire({0x1a, 4, 0x0a, 2, 0x08, 4, 0x22, 5, 0x8a, 0x02, 2, 0x10, 6, 0x4a, 2, 0x18, 1}));
}

TEST(ProtoWire, ShimStartupMessages) {
  containerd::types::RuntimeInfo info;
  info.set_name("io.containerd.wasm.v1");
  info.mutable_version()->set_revision("r");
  (*info.mutable_annotations())["a"] = "b";
  EXPECT_WIRE(info, Wire({0x0a, 21, "io.containerd.wasm.v1", 0x12, 3, 0x12, 1, "r", 0x2a, 6, 0x0a,
                          1, "a", 0x12, 1, "b"}));

  runtimeoptions::v1::Options opts;
  opts.set_type_url("t");
  opts.set_config_body("SystemdCgroup = true");
  EXPECT_WIRE(opts, Wire({0x0a, 1, "t", 0x1a, 20, "SystemdCgroup = true"}));

  containerd::runtime::bootstrap::v1::BootstrapParams params;
  params.set_instance_id("c");
  params.set_log_level(containerd::runtime::bootstrap::v1::LOG_LEVEL_DEBUG);  // -4: 10 bytes
  params.set_containerd_ttrpc_address("/t");
  params.set_socket_dir("/s");
  EXPECT_WIRE(params, Wire({0x0a, 1,    "c",  0x18, 0xfc, 0xff, 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0x01, 0x2a, 2,    "/t", 0x4a, 2,    "/s"}));

  containerd::runtime::bootstrap::v1::BootstrapResult result;
  result.set_version(2);
  result.set_address("unix:///x");
  result.set_protocol("ttrpc");
  EXPECT_WIRE(result, Wire({0x08, 2, 0x12, 9, "unix:///x", 0x1a, 5, "ttrpc"}));
}

// Every task RPC with the request and reply types containerd names, in both packages.
TEST(ProtoWire, TaskServiceShape) {
  const std::vector<std::vector<std::string>> rpcs = {
      {"State", "StateRequest", "StateResponse"},
      {"Create", "CreateTaskRequest", "CreateTaskResponse"},
      {"Start", "StartRequest", "StartResponse"},
      {"Delete", "DeleteRequest", "DeleteResponse"},
      {"Pids", "PidsRequest", "PidsResponse"},
      {"Pause", "PauseRequest", "google.protobuf.Empty"},
      {"Resume", "ResumeRequest", "google.protobuf.Empty"},
      {"Checkpoint", "CheckpointTaskRequest", "google.protobuf.Empty"},
      {"Kill", "KillRequest", "google.protobuf.Empty"},
      {"Exec", "ExecProcessRequest", "google.protobuf.Empty"},
      {"ResizePty", "ResizePtyRequest", "google.protobuf.Empty"},
      {"CloseIO", "CloseIORequest", "google.protobuf.Empty"},
      {"Update", "UpdateTaskRequest", "google.protobuf.Empty"},
      {"Wait", "WaitRequest", "WaitResponse"},
      {"Stats", "StatsRequest", "StatsResponse"},
      {"Connect", "ConnectRequest", "ConnectResponse"},
      {"Shutdown", "ShutdownRequest", "google.protobuf.Empty"},
  };
  // The generated code is lite (no descriptors at run time): the shapes come from protoc's
  // descriptor set of the same .proto files, built beside the code.
  std::ifstream in(WS_PROTO_DESCRIPTOR_SET, std::ios::binary);
  ASSERT_TRUE(in) << WS_PROTO_DESCRIPTOR_SET;
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromIstream(&in));
  google::protobuf::DescriptorPool pool;
  for (const auto& file : set.file()) ASSERT_NE(pool.BuildFile(file), nullptr) << file.name();
  for (const char* pkg : {"containerd.task.v2", "containerd.task.v3"}) {
    const auto* svc = pool.FindServiceByName(std::string(pkg) + ".Task");
    ASSERT_NE(svc, nullptr) << pkg;
    for (const auto& rpc : rpcs) {
      const auto* m = svc->FindMethodByName(rpc[0]);
      ASSERT_NE(m, nullptr) << pkg << " " << rpc[0];
      auto qualify = [&](const std::string& t) {
        return t.starts_with("google.") ? t : std::string(pkg) + "." + t;
      };
      EXPECT_EQ(m->input_type()->full_name(), qualify(rpc[1])) << rpc[0];
      EXPECT_EQ(m->output_type()->full_name(), qualify(rpc[2])) << rpc[0];
    }
  }
  EXPECT_EQ(pool.FindServiceByName("containerd.task.v2.Task")->method_count(), 17);
  // v3 adds only the optional server-streamed Events.
  const auto* v3 = pool.FindServiceByName("containerd.task.v3.Task");
  EXPECT_EQ(v3->method_count(), 18);
  EXPECT_TRUE(v3->FindMethodByName("Events")->server_streaming());
  EXPECT_STREQ(containerd::task::v3::Task::service_full_name(), "containerd.task.v3.Task");
  EXPECT_NE(pool.FindEnumTypeByName("containerd.v1.types.Status"), nullptr);
  EXPECT_NE(pool.FindMessageTypeByName("containerd.types.Mount"), nullptr);
  EXPECT_NE(pool.FindMessageTypeByName("io.containerd.cgroups.v2.Metrics"), nullptr);
  // What the lite classes report as their names (PackBare's type URLs) matches the files.
  EXPECT_EQ(containerd::types::Mount().GetTypeName(), "containerd.types.Mount");
  EXPECT_EQ(io::containerd::cgroups::v2::Metrics().GetTypeName(),
            "io.containerd.cgroups.v2.Metrics");
}

}  // namespace
