// containerd's command line for a shim: Go-style single-dash flags, then an action.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ws::shim {

struct Flags {
  std::string ns;              // -namespace
  std::string address;         // -address: containerd's gRPC socket
  std::string publish_binary;  // -publish-binary
  std::string id;              // -id
  std::string bundle;          // -bundle (delete; otherwise the working directory)
  std::string socket;          // -socket: set by `start` for the server it spawns
  std::string protocol;        // -protocol: set by `start` for the server it spawns (ttrpc or grpc)
  bool debug = false;          // -debug
  bool version = false;        // -v / -version
  bool info = false;           // -info
  std::string action;          // "start", "delete", "" (serve); anything else is an error
  std::vector<std::string> args;     // after the action
  std::vector<std::string> ignored;  // unknown flags, for the log
};

// Parses argv[1..]. Accepts -flag value, -flag=value, --flag; bool flags also -flag=true.
// Unknown flags are ignored (containerd adds flags over time; Go shims that rejected them
// broke): an unknown flag takes the next token as its value unless that token is a flag or an
// action. INVALID_ARGUMENT for a known flag without its value or an unknown action.
absl::StatusOr<Flags> parse_flags(const std::vector<std::string>& argv);

}  // namespace ws::shim
