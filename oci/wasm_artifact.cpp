// Index and manifest JSON -> the Wasm module's descriptor.
#include "oci/wasm_artifact.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ws::oci {
namespace {

using Json = nlohmann::json;

absl::StatusOr<Json> parse(absl::string_view text, const char* what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a JSON object"));
  }
  return j;
}

bool valid_digest(const std::string& d) {
  if (!absl::StartsWith(d, "sha256:") || d.size() != 7 + 64) return false;
  for (char c : d.substr(7)) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) || absl::ascii_isupper(c)) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<Descriptor> descriptor(const Json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("mediaType") || !j["mediaType"].is_string() ||
      !j.contains("digest") || !j["digest"].is_string() || !j.contains("size") ||
      !j["size"].is_number_integer() || j["size"].get<int64_t>() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": expected a descriptor (mediaType, digest, size)"));
  }
  Descriptor d{j["mediaType"].get<std::string>(), j["digest"].get<std::string>(),
               j["size"].get<int64_t>()};
  if (!valid_digest(d.digest)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": digest ", d.digest, " is not sha256"));
  }
  return d;
}

std::string platform_field(const Json& m, const char* key) {
  if (!m.contains("platform") || !m["platform"].is_object()) return "";
  const Json& p = m["platform"];
  return p.contains(key) && p[key].is_string() ? p[key].get<std::string>() : "";
}

}  // namespace

bool is_index(absl::string_view media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

absl::StatusOr<Descriptor> pick_wasm_manifest(absl::string_view index_json) {
  absl::StatusOr<Json> j = parse(index_json, "image index");
  if (!j.ok()) return j.status();
  if (!j->contains("manifests") || !(*j)["manifests"].is_array()) {
    return absl::InvalidArgumentError("image index: no manifests array");
  }
  const Json& ms = (*j)["manifests"];
  for (size_t i = 0; i < ms.size(); ++i) {
    std::string os = platform_field(ms[i], "os");
    if (platform_field(ms[i], "architecture") == "wasm" && (os == "wasi" || os == "wasip1")) {
      return descriptor(ms[i], absl::StrCat("image index: manifests[", i, "]"));
    }
  }
  if (ms.size() == 1) return descriptor(ms[0], "image index: manifests[0]");
  return absl::NotFoundError("image index: no manifest for wasi/wasm or wasip1/wasm");
}

absl::StatusOr<Descriptor> wasm_layer(absl::string_view manifest_json) {
  absl::StatusOr<Json> j = parse(manifest_json, "image manifest");
  if (!j.ok()) return j.status();
  if (!j->contains("layers") || !(*j)["layers"].is_array()) {
    return absl::InvalidArgumentError("image manifest: no layers array");
  }
  const Json& ls = (*j)["layers"];
  for (size_t i = 0; i < ls.size(); ++i) {
    absl::StatusOr<Descriptor> d =
        descriptor(ls[i], absl::StrCat("image manifest: layers[", i, "]"));
    if (!d.ok()) return d.status();
    if (d->media_type == "application/wasm" ||
        d->media_type == "application/vnd.wasm.content.layer.v1+wasm") {
      return d;
    }
  }
  return absl::NotFoundError("image manifest: no application/wasm layer");
}

}  // namespace ws::oci
