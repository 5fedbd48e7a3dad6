// cgroups::Stats as containerd's metrics types, packed the way `ctr task metrics` decodes them:
// io.containerd.cgroups.v1.Metrics on cgroup v1 hosts, io.containerd.cgroups.v2.Metrics on v2.
// WasmStats travel in field 1000 of either (proto/wasmshim/metrics.proto), which containerd
// does not know and keeps as an unknown field.
#pragma once

#include <optional>

#include <google/protobuf/any.pb.h>

#include "cgroups/cgroup.h"
#include "proto/cgroups/v1/metrics.pb.h"
#include "proto/cgroups/v2/metrics.pb.h"
#include "shim/task/runtime.h"

namespace ws::shim {

::io::containerd::cgroups::v1::Metrics to_v1_metrics(const cgroups::Stats& s);
::io::containerd::cgroups::v2::Metrics to_v2_metrics(const cgroups::Stats& s);
// The version's message in an Any with containerd's bare type URL.
google::protobuf::Any pack_metrics(const cgroups::Stats& s,
                                   const std::optional<WasmStats>& wasm = std::nullopt);

}  // namespace ws::shim
