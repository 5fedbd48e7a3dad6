// OCI Wasm artifacts: which manifest of an index and which layer of a manifest hold the module
// (media type application/wasm or application/vnd.wasm.content.layer.v1+wasm). Pure JSON.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace ws::oci {

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  int64_t size = 0;
};

// True for an OCI image index or a Docker manifest list.
bool is_index(absl::string_view media_type);

// The manifest of an index for platform wasi/wasm or wasip1/wasm, else the only manifest.
// NOT_FOUND when there is no such manifest; INVALID_ARGUMENT for malformed JSON or descriptors.
absl::StatusOr<Descriptor> pick_wasm_manifest(absl::string_view index_json);

// The layer of a manifest that is a Wasm module. NOT_FOUND when it has none (an ordinary image
// whose rootfs holds the module); INVALID_ARGUMENT for malformed JSON or descriptors.
absl::StatusOr<Descriptor> wasm_layer(absl::string_view manifest_json);

}  // namespace ws::oci
