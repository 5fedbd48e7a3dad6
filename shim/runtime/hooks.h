// OCI hooks: each runs as a child with the container's state JSON on stdin, within its timeout.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "oci/spec.h"

namespace ws::shim {

struct HookState {
  std::string oci_version;
  std::string id;
  std::string status;  // "creating", "created", "running", "stopped"
  uint32_t pid = 0;
  std::string bundle;
  std::map<std::string, std::string> annotations;
};

// {"ociVersion","id","status","pid","bundle","annotations"} as the runtime spec's state.
std::string hook_state_json(const HookState& state);

// Runs `hooks` in order with the state on stdin and stops at the first failure: INTERNAL
// "<stage> hook <path>: exited with code N: <its output>", DEADLINE_EXCEEDED when it outlived its
// timeout (it is killed). A hook without a timeout may run as long as it likes.
absl::Status run_hooks(absl::string_view stage, const std::vector<oci::Hook>& hooks,
                       const HookState& state);

}  // namespace ws::shim
