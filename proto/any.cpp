// Bare-type-URL Any packing for containerd (see any.h).
#include "proto/any.h"

#include <string_view>

namespace ws::proto {

void PackBare(const google::protobuf::MessageLite& message, google::protobuf::Any* any) {
  any->set_type_url(message.GetTypeName());
  any->set_value(message.SerializeAsString());
}

bool UnpackBare(const google::protobuf::Any& any, google::protobuf::MessageLite* message) {
  std::string_view url = any.type_url();
  if (auto slash = url.rfind('/'); slash != std::string_view::npos) url.remove_prefix(slash + 1);
  if (url != message->GetTypeName()) return false;
  return message->ParseFromString(any.value());
}

}  // namespace ws::proto
