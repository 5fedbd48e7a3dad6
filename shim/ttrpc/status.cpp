// Status conversion (see status.h).
#include "shim/ttrpc/status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace ws::shim::ttrpc {

google::rpc::Status to_rpc_status(const absl::Status& status) {
  google::rpc::Status out;
  out.set_code(static_cast<int32_t>(status.code()));
  out.set_message(std::string(status.message()));
  return out;
}

absl::Status from_rpc_status(const google::rpc::Status& status) {
  int32_t code = status.code();
  if (code == 0) return absl::OkStatus();
  if (code < 0 || code > static_cast<int32_t>(absl::StatusCode::kUnauthenticated)) {
    return absl::UnknownError(absl::StrCat("status code ", code, ": ", status.message()));
  }
  return absl::Status(static_cast<absl::StatusCode>(code), status.message());
}

}  // namespace ws::shim::ttrpc
