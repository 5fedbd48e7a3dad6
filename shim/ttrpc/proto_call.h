// Typed wrappers over the byte-level API: protobuf handlers for a ServiceRegistry, typed calls.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "shim/ttrpc/absl_compat.h"
#include "shim/ttrpc/client.h"
#include "shim/ttrpc/service.h"

namespace ws::shim::ttrpc {

// A Handler that parses Request, runs `fn` and serializes its Response. Undecodable request
// bytes are INVALID_ARGUMENT, as Go's ttrpc answers them.
template <typename Request, typename Response>
Handler proto_handler(
    std::function<absl::StatusOr<Response>(const CallContext&, const Request&)> fn) {
  return [fn = std::move(fn)](const CallContext& ctx,
                              std::string_view bytes) -> absl::StatusOr<std::string> {
    Request request;
    if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::InvalidArgumentError(absl::StrCat("/", ctx.service(), "/", ctx.method(),
                                                     ": request is not a valid ",
                                                     request.GetTypeName()));
    }
    absl::StatusOr<Response> response = fn(ctx, request);
    if (!response.ok()) return response.status();
    return response->SerializeAsString();
  };
}

// Calls /service/method with a serialized `request` and parses the reply as Response.
template <typename Response, typename Request>
absl::StatusOr<Response> call_proto(Client& client, std::string_view service,
                                    std::string_view method, const Request& request,
                                    const CallOptions& options = {}) {
  absl::StatusOr<std::string> bytes =
      client.call(service, method, request.SerializeAsString(), options);
  if (!bytes.ok()) return bytes.status();
  Response response;
  if (!response.ParseFromString(*bytes)) {
    return absl::InternalError(absl::StrCat("/", av(service), "/", av(method),
                                            ": reply is not a valid ", response.GetTypeName()));
  }
  return response;
}

}  // namespace ws::shim::ttrpc
