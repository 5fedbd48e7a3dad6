// Rootfs layer, image config, manifest, index and Docker manifest.json, all deterministic.
#include "tools/wasm-oci/image.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "oci/wasi_plan.h"
#include "support/file.h"
#include "support/sha256.h"

namespace ws::tools {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;  // std::map objects: keys sorted, so dump() is canonical

constexpr const char* kLayerTar = "application/vnd.oci.image.layer.v1.tar";
constexpr const char* kLayerTarGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
constexpr const char* kWasmLayer = "application/wasm";
constexpr const char* kConfig = "application/vnd.oci.image.config.v1+json";
constexpr const char* kManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kIndex = "application/vnd.oci.image.index.v1+json";
constexpr const char* kWasmArtifactType = "application/vnd.wasm.config.v0+json";
constexpr const char* kEpoch = "1970-01-01T00:00:00Z";

absl::Status invalid(const std::string& what) { return absl::InvalidArgumentError(what); }

std::string digest_of(const std::string& data) {
  return absl::StrCat("sha256:", support::sha256_hex(data));
}

// "/a/b/" -> "a/b"; INVALID_ARGUMENT for a relative path or a ".." component.
absl::StatusOr<std::string> image_path(const std::string& path, const std::string& option) {
  if (path.empty() || path[0] != '/') {
    return invalid(absl::StrCat(option, " ", path, ": the path in the image must be absolute"));
  }
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (p == "..") return invalid(absl::StrCat(option, " ", path, ": '..' is not allowed"));
    if (p != ".") parts.emplace_back(p);
  }
  if (parts.empty()) return invalid(absl::StrCat(option, " ", path, ": names the root"));
  return absl::StrJoin(parts, "/");
}

class Layer {
 public:
  absl::Status add(TarEntry e, const std::string& option) {
    // The entry path is relative to the image root: no absolute path, no "..", "." or empty part.
    if (e.path.empty() || e.path[0] == '/') {
      return invalid(
          absl::StrCat(option, ": \"", e.path, "\" is not a relative path in the image"));
    }
    for (absl::string_view p : absl::StrSplit(e.path, '/')) {
      if (p.empty() || p == "." || p == "..") {
        return invalid(
            absl::StrCat(option, ": \"", e.path, "\" has an empty, '.' or '..' component"));
      }
    }
    // Parents first (directories 0755), so the tar never names a child before its directory.
    std::vector<std::string> parts = absl::StrSplit(e.path, '/');
    std::string prefix;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      prefix = prefix.empty() ? parts[i] : absl::StrCat(prefix, "/", parts[i]);
      auto it = entries_.find(prefix);
      if (it == entries_.end()) {
        entries_[prefix] = TarEntry{prefix, TarEntry::Kind::kDirectory, "", 0755};
      } else if (it->second.kind != TarEntry::Kind::kDirectory) {
        return invalid(absl::StrCat(option, ": /", prefix, " is a file in the image"));
      }
    }
    auto it = entries_.find(e.path);
    if (it != entries_.end()) {
      if (it->second.kind == TarEntry::Kind::kDirectory && e.kind == TarEntry::Kind::kDirectory) {
        return absl::OkStatus();
      }
      return invalid(absl::StrCat(option, ": /", e.path, " is added twice"));
    }
    entries_[e.path] = std::move(e);
    return absl::OkStatus();
  }

  std::vector<TarEntry> sorted() const {
    std::vector<TarEntry> out;
    for (const auto& [path, e] : entries_) out.push_back(e);
    return out;
  }

 private:
  std::map<std::string, TarEntry> entries_;
};

absl::StatusOr<TarEntry> host_entry(const fs::path& host, const std::string& in_image,
                                    const std::string& option) {
  struct stat st;
  if (::lstat(host.c_str(), &st) != 0) {
    return invalid(absl::StrCat(option, " ", host.string(), ": ", std::strerror(errno)));
  }
  TarEntry e;
  e.path = in_image;
  if (S_ISDIR(st.st_mode)) {
    e.kind = TarEntry::Kind::kDirectory;
    e.mode = 0755;
  } else if (S_ISLNK(st.st_mode)) {
    e.kind = TarEntry::Kind::kSymlink;
    e.data = fs::read_symlink(host).string();
    e.mode = 0777;
  } else if (S_ISREG(st.st_mode)) {
    absl::StatusOr<std::string> data = support::read_text_file(host.string());
    if (!data.ok()) return invalid(absl::StrCat(option, ": ", data.status().message()));
    e.data = std::move(*data);
    e.mode = (st.st_mode & 0111) ? 0755 : 0644;
  } else {
    return invalid(
        absl::StrCat(option, " ", host.string(),
                     ": not a file, directory or symlink (special files are not packed)"));
  }
  return e;
}

absl::Status add_tree(Layer& layer, const ImageInput::Add& add) {
  const std::string option = absl::StrCat("--add ", add.source, ":", add.dest);
  absl::StatusOr<std::string> dest = image_path(add.dest, "--add");
  if (!dest.ok()) return dest.status();
  absl::StatusOr<TarEntry> top = host_entry(add.source, *dest, option);
  if (!top.ok()) return top.status();
  bool dir = top->kind == TarEntry::Kind::kDirectory;
  if (absl::Status s = layer.add(std::move(*top), option); !s.ok()) return s;
  if (!dir) return absl::OkStatus();
  std::error_code ec;
  for (fs::recursive_directory_iterator it(add.source, ec), end; !ec && it != end;
       it.increment(ec)) {
    // Lexical, not fs::relative: that resolves symlinks, so a link would be packed under its
    // target's path (or "../.." for a target outside the tree) instead of its own name.
    std::string rel = it->path().lexically_relative(add.source).generic_string();
    absl::StatusOr<TarEntry> e = host_entry(it->path(), absl::StrCat(*dest, "/", rel), option);
    if (!e.ok()) return e.status();
    if (absl::Status s = layer.add(std::move(*e), option); !s.ok()) return s;
  }
  if (ec) return invalid(absl::StrCat(option, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::string> read_module(const ImageInput& in) {
  absl::StatusOr<std::string> bytes = support::read_text_file(in.module_file);
  if (!bytes.ok()) return invalid(std::string(bytes.status().message()));
  if (oci::classify_module(absl::string_view(*bytes).substr(0, 8)) !=
      oci::ModuleKind::kCoreModule) {
    return invalid(absl::StrCat(in.module_file,
                                ": not a WebAssembly module (no \\0asm version 1 "
                                "header)"));
  }
  return bytes;
}

std::string module_path_of(const ImageInput& in) {
  if (!in.module_path.empty()) return in.module_path;
  return absl::StrCat("/", fs::path(in.module_file).filename().string());
}

Json descriptor(const std::string& media_type, const std::string& data) {
  return Json{{"mediaType", media_type}, {"digest", digest_of(data)}, {"size", data.size()}};
}

// `diff_ids` lists the tar layers only: empty for an artifact, whose layer is the module itself,
// so containerd's unpacker (which skips non-tar layers) finds them consistent.
Json image_config(const ImageInput& in, const std::vector<std::string>& diff_ids) {
  Json cfg = Json::object();
  std::vector<std::string> entry =
      in.entrypoint.empty() ? std::vector<std::string>{module_path_of(in)} : in.entrypoint;
  cfg["Entrypoint"] = entry;
  if (!in.cmd.empty()) cfg["Cmd"] = in.cmd;
  if (!in.env.empty()) cfg["Env"] = in.env;
  if (!in.labels.empty()) cfg["Labels"] = in.labels;
  if (!in.workdir.empty()) cfg["WorkingDir"] = in.workdir;
  // With no tar layer (an artifact) the one history entry made none: say so, as the spec asks.
  Json history = {{"created", kEpoch}, {"created_by", "wasm-oci"}};
  if (diff_ids.empty()) history["empty_layer"] = true;
  return Json{{"created", kEpoch},
              {"architecture", in.arch},
              {"os", in.os},
              {"config", cfg},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}},
              {"history", {history}}};
}

std::string tag_of(const std::string& ref) {
  size_t colon = ref.rfind(':');
  size_t slash = ref.rfind('/');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "latest";
  return ref.substr(colon + 1);
}

}  // namespace

absl::StatusOr<std::string> normalize_ref(const std::string& ref) {
  if (ref.empty() || ref.find_first_of(" \t\n@") != std::string::npos || ref.back() == ':' ||
      ref.front() == '/' || ref.back() == '/') {
    return invalid(absl::StrCat("--tag \"", ref, "\": not an image reference (name[:tag])"));
  }
  std::string out = ref;
  size_t slash = out.find('/');
  std::string first = slash == std::string::npos ? "" : out.substr(0, slash);
  bool has_registry = first.find_first_of(".:") != std::string::npos || first == "localhost";
  if (!has_registry)
    out = slash == std::string::npos ? "docker.io/library/" + out : "docker.io/" + out;
  size_t last_slash = out.rfind('/');
  if (out.find(':', last_slash) == std::string::npos) out += ":latest";
  for (char c : out.substr(0, out.rfind(':'))) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      return invalid(absl::StrCat("--tag \"", ref, "\": repository names are lowercase"));
    }
  }
  return out;
}

absl::StatusOr<std::vector<TarEntry>> rootfs_entries(const ImageInput& in) {
  absl::StatusOr<std::string> module = read_module(in);
  if (!module.ok()) return module.status();
  absl::StatusOr<std::string> at = image_path(module_path_of(in), "--module-path");
  if (!at.ok()) return at.status();
  Layer layer;
  if (absl::Status s =
          layer.add(TarEntry{*at, TarEntry::Kind::kFile, *module, 0755}, "--module-path");
      !s.ok()) {
    return s;
  }
  for (const ImageInput::Add& add : in.adds) {
    if (absl::Status s = add_tree(layer, add); !s.ok()) return s;
  }
  return layer.sorted();
}

absl::StatusOr<BuiltImage> build_image(const ImageInput& in, ImageFormat format) {
  std::string ref_in = in.ref.empty() ? fs::path(in.module_file).stem().string() : in.ref;
  absl::StatusOr<std::string> ref = normalize_ref(ref_in);
  if (!ref.ok()) return ref.status();
  if (!in.workdir.empty() && in.workdir != "/") {
    absl::StatusOr<std::string> wd = image_path(in.workdir, "--workdir");
    if (!wd.ok()) return wd.status();
    if (absl::StrCat("/", *wd) != in.workdir) {
      return invalid(
          absl::StrCat("--workdir ", in.workdir, ": not a clean path (write /", *wd, ")"));
    }
  }
  std::string layer, diff_id;
  const char* layer_type = kLayerTar;
  if (format == ImageFormat::kArtifact) {
    if (!in.adds.empty()) return invalid("--add: an artifact image holds only the module");
    absl::StatusOr<std::string> at = image_path(module_path_of(in), "--module-path");
    if (!at.ok()) return at.status();
    absl::StatusOr<std::string> module = read_module(in);
    if (!module.ok()) return module.status();
    layer = std::move(*module);
    layer_type = kWasmLayer;
  } else {
    absl::StatusOr<std::vector<TarEntry>> entries = rootfs_entries(in);
    if (!entries.ok()) return entries.status();
    absl::StatusOr<std::string> tar = write_tar(*entries, false);
    if (!tar.ok()) return tar.status();
    diff_id = digest_of(*tar);
    layer = std::move(*tar);
    if (format == ImageFormat::kOci && in.gzip) {
      absl::StatusOr<std::string> gz = write_tar(*entries, true);
      if (!gz.ok()) return gz.status();
      layer = std::move(*gz);
      layer_type = kLayerTarGzip;
    }
  }
  std::vector<std::string> diff_ids;
  if (format != ImageFormat::kArtifact) diff_ids.push_back(diff_id);
  std::string config = image_config(in, diff_ids).dump();
  Json manifest = {{"schemaVersion", 2},
                   {"mediaType", kManifest},
                   {"config", descriptor(kConfig, config)},
                   {"layers", {descriptor(layer_type, layer)}}};
  if (format == ImageFormat::kArtifact) manifest["artifactType"] = kWasmArtifactType;
  std::string manifest_raw = manifest.dump();
  Json manifest_desc = descriptor(kManifest, manifest_raw);
  manifest_desc["platform"] = {{"os", in.os}, {"architecture", in.arch}};
  manifest_desc["annotations"] = {{"io.containerd.image.name", *ref},
                                  {"org.opencontainers.image.ref.name", tag_of(*ref)}};
  Json index = {{"schemaVersion", 2}, {"mediaType", kIndex}, {"manifests", {manifest_desc}}};

  std::vector<TarEntry> files;
  auto blob_path = [](const std::string& data) {
    return absl::StrCat("blobs/sha256/", support::sha256_hex(data));
  };
  files.push_back({"blobs", TarEntry::Kind::kDirectory, "", 0755});
  files.push_back({"blobs/sha256", TarEntry::Kind::kDirectory, "", 0755});
  std::map<std::string, std::string> blobs = {{blob_path(layer), layer},
                                              {blob_path(config), config},
                                              {blob_path(manifest_raw), manifest_raw}};
  for (const auto& [path, data] : blobs) files.push_back({path, TarEntry::Kind::kFile, data, 0644});
  files.push_back({"index.json", TarEntry::Kind::kFile, index.dump(), 0644});
  if (format == ImageFormat::kDocker) {
    Json docker = Json::array(
        {{{"Config", blob_path(config)}, {"RepoTags", {*ref}}, {"Layers", {blob_path(layer)}}}});
    files.push_back({"manifest.json", TarEntry::Kind::kFile, docker.dump(), 0644});
  }
  files.push_back(
      {"oci-layout", TarEntry::Kind::kFile, Json{{"imageLayoutVersion", "1.0.0"}}.dump(), 0644});
  absl::StatusOr<std::string> archive = write_tar(files, false);
  if (!archive.ok()) return archive.status();
  return BuiltImage{std::move(*archive), *ref, digest_of(manifest_raw)};
}

}  // namespace ws::tools
