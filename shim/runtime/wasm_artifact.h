// Running OCI Wasm artifacts: their module comes from containerd's content store, not from a
// tar layer, so it is written into the container's rootfs before the instance looks for it.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "oci/spec.h"
#include "shim/task/image_content.h"

namespace ws::shim {

// When process.args[0] of `spec` names nothing in `rootfs` and container `id`'s image has a
// Wasm layer (application/wasm, application/vnd.wasm.content.layer.v1+wasm; an index picks its
// wasi/wasm or wasip1/wasm manifest), writes that module (its sha256 checked) at the entry's
// path in the container's own writable rootfs (in-root resolution), mode 0755. Otherwise does
// nothing: an ordinary image, or a missing entry that Create then reports as usual.
absl::Status materialise_wasm_artifact(ImageContent& images, const std::string& id,
                                       const oci::Spec& spec, const std::string& rootfs);

}  // namespace ws::shim
