// cgroupsPath resolution: cgroupfs paths, the systemd slice form, the default.
#include "cgroups/path.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace ws::cgroups {
namespace {

absl::Status invalid(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("linux.cgroupsPath \"", path, "\": ", why));
}

absl::StatusOr<std::string> clean(absl::string_view path) {
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (p == ".") continue;
    if (p == "..") return invalid(path, "\"..\" is not allowed");
    parts.emplace_back(p);
  }
  if (parts.empty()) return invalid(path, "names the root cgroup");
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

}  // namespace

absl::StatusOr<std::string> expand_slice(absl::string_view slice) {
  constexpr absl::string_view kSuffix = ".slice";
  if (slice == "-.slice") return std::string("/");
  if (slice.size() <= kSuffix.size() || !absl::EndsWith(slice, kSuffix) ||
      slice.find('/') != absl::string_view::npos) {
    return invalid(slice, "not a valid slice name");
  }
  absl::string_view stem = slice.substr(0, slice.size() - kSuffix.size());
  std::string out, prefix;
  for (absl::string_view comp : absl::StrSplit(stem, '-')) {
    if (comp.empty()) return invalid(slice, "empty component in slice name");
    absl::StrAppend(&prefix, prefix.empty() ? "" : "-", comp);
    absl::StrAppend(&out, "/", prefix, kSuffix);
  }
  return out;
}

absl::StatusOr<std::string> resolve_path(absl::string_view path, absl::string_view ns,
                                         absl::string_view id) {
  if (path.empty()) {
    if (id.empty() || id.find('/') != absl::string_view::npos ||
        ns.find('/') != absl::string_view::npos) {
      return invalid(path, "no valid container id for the default path");
    }
    return clean(
        absl::StrCat("/", ns.empty() ? absl::string_view(kDefaultNamespace) : ns, "/", id));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(path, ':');
  if (path[0] == '/' || parts.size() != 3) {
    if (parts.size() != 1) return invalid(path, "neither \"/a/b\" nor \"slice:prefix:name\"");
    return clean(path);
  }
  absl::string_view slice = parts[0].empty() ? "system.slice" : parts[0];
  absl::string_view prefix = parts[1], name = parts[2];
  if (name.empty() || name.find('/') != absl::string_view::npos ||
      prefix.find('/') != absl::string_view::npos) {
    return invalid(path, "empty or malformed unit name");
  }
  absl::StatusOr<std::string> base = expand_slice(slice);
  if (!base.ok()) return invalid(path, base.status().message());
  std::string unit = absl::EndsWith(name, ".slice") ? std::string(name)
                     : prefix.empty()               ? absl::StrCat(name, ".scope")
                                                    : absl::StrCat(prefix, "-", name, ".scope");
  return clean(absl::StrCat(*base, "/", unit));
}

}  // namespace ws::cgroups
