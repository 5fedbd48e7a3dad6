// Runtime options: the Any on stdin, the TOML subset we read, the environment override.
#include "shim/cli/options.h"

#include <google/protobuf/any.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "proto/any.h"
#include "proto/containerd/types/runtimeoptions/v1/api.pb.h"
#include "support/file.h"

namespace ws::shim {
namespace {

absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status set_protocol(std::string_view value, ShimOptions& out) {
  std::string v = absl::AsciiStrToLower(av(value));
  if (v != "ttrpc" && v != "grpc") {
    return absl::InvalidArgumentError(
        absl::StrCat("shim option protocol: \"", std::string(value), "\" is not ttrpc or grpc"));
  }
  out.protocol = v;
  return absl::OkStatus();
}

absl::Status set_cache_dir(std::string_view value, ShimOptions& out) {
  if (value.empty() || value[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("shim option cache_dir: \"", std::string(value),
                                                   "\" is not an absolute path"));
  }
  out.cache_dir = std::string(value);
  return absl::OkStatus();
}

}  // namespace

absl::Status apply_options_text(std::string_view text, ShimOptions& out) {
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(av(text), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      in_table = true;  // keys of tables are not ours
      continue;
    }
    if (in_table) continue;
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) continue;
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, eq)));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(eq + 1));
    if (size_t hash = value.find(" #"); hash != absl::string_view::npos) {
      value = absl::StripAsciiWhitespace(value.substr(0, hash));
    }
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    std::string_view v(value.data(), value.size());
    if (key == "protocol") {
      if (absl::Status s = set_protocol(v, out); !s.ok()) return s;
    } else if (key == "cache_dir" || key == "cachedir") {
      if (absl::Status s = set_cache_dir(v, out); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ShimOptions> load_shim_options(std::string_view stdin_bytes,
                                              const char* env_protocol, const char* env_cache_dir) {
  ShimOptions out;
  google::protobuf::Any any;
  ::runtimeoptions::v1::Options opts;
  if (!stdin_bytes.empty() &&
      any.ParseFromArray(stdin_bytes.data(), static_cast<int>(stdin_bytes.size())) &&
      proto::UnpackBare(any, &opts)) {
    if (!opts.config_body().empty()) {
      if (absl::Status s = apply_options_text(opts.config_body(), out); !s.ok()) return s;
    } else if (!opts.config_path().empty()) {
      absl::StatusOr<std::string> text = support::read_text_file(opts.config_path());
      if (!text.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("shim options: ", text.status().message()));
      }
      if (absl::Status s = apply_options_text(*text, out); !s.ok()) return s;
    }
  }
  if (env_protocol && *env_protocol) {
    if (absl::Status s = set_protocol(env_protocol, out); !s.ok()) return s;
  }
  if (env_cache_dir && *env_cache_dir) {
    if (absl::Status s = set_cache_dir(env_cache_dir, out); !s.ok()) return s;
  }
  return out;
}

}  // namespace ws::shim
