// absl::Status <-> google.rpc.Status: both use the gRPC canonical code numbers.
#pragma once

#include "absl/status/status.h"
#include "proto/google/rpc/status.pb.h"

namespace ws::shim::ttrpc {

google::rpc::Status to_rpc_status(const absl::Status& status);
// Codes outside 0..16 become UNKNOWN (the message keeps the original number).
absl::Status from_rpc_status(const google::rpc::Status& status);

}  // namespace ws::shim::ttrpc
