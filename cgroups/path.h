// linux.cgroupsPath forms, resolved to a cgroupfs path below the hierarchy root ("/a/b").
#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace ws::cgroups {

// - cgroupfs form "/a/b" (or "a/b", taken from the root as well): used as is, cleaned;
// - systemd form "slice:prefix:name": mapped as runc's systemd driver lays it out on cgroupfs,
//   "a-b.slice:docker:ID" -> "/a.slice/a-b.slice/docker-ID.scope" (slice "" -> system.slice,
//   "-.slice" is the root; prefix "" -> "ID.scope"; a name ending in ".slice" is a sub-slice);
// - "" -> "/<ns>/<id>" (what containerd's default spec uses; ns "" -> kDefaultNamespace).
// INVALID_ARGUMENT for "..", empty ids or malformed slices.
inline constexpr const char* kDefaultNamespace = "wasmshim";

absl::StatusOr<std::string> resolve_path(absl::string_view cgroups_path, absl::string_view ns,
                                         absl::string_view id);

// "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" (systemd's rule; "-.slice" -> "/").
absl::StatusOr<std::string> expand_slice(absl::string_view slice);

}  // namespace ws::cgroups
