// Packing messages into google.protobuf.Any the way containerd's typeurl expects (bare type URL).
#pragma once

#include <google/protobuf/any.pb.h>
#include <google/protobuf/message_lite.h>

namespace ws::proto {

// Sets `any` to `message` with type_url = the bare full name ("containerd.events.TaskExit").
// containerd 1.6 cannot resolve the "type.googleapis.com/" prefix that Any::PackFrom adds.
void PackBare(const google::protobuf::MessageLite& message, google::protobuf::Any* any);

// Parses `any` into `message` when its type URL names that message, with or without a
// "<host>/" prefix. Returns false on a different type or a malformed value.
bool UnpackBare(const google::protobuf::Any& any, google::protobuf::MessageLite* message);

}  // namespace ws::proto
