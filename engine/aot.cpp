// AOT artifacts, the compiling half: keys for this engine build and host, and compilation into
// artifact bytes (the format, verification and loading are in engine/runtime/artifact.cpp).
#include "engine/aot.h"

#include "absl/strings/str_cat.h"
#include "engine/codegen/codegen.h"
#include "engine/runtime/artifact.h"
#include "support/cpu_id.h"
#include "support/sha256.h"

namespace ws::engine::aot {

Key make_key(std::span<const uint8_t> module_bytes, int opt_level) {
  Key k;
  k.module_sha256 = support::sha256(
      std::string_view(reinterpret_cast<const char*>(module_bytes.data()), module_bytes.size()));
  k.engine_build = engine_build_id();
  k.cpu_features = support::host_cpu_id();  // not host_cpu_features(): that loads LLVM
  k.opt_level = opt_level;
  return k;
}

absl::StatusOr<std::vector<uint8_t>> compile_artifact(const Module& m, const ModuleInfo& info,
                                                      const Key& key, int threads) {
  if (key.engine_build != engine_build_id() || key.cpu_features != support::host_cpu_id()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "AOT key is for engine build ", key.engine_build, " on \"", key.cpu_features,
        "\"; this compiler produces code for build ", engine_build_id(), " on this host"));
  }
  if (key.opt_level < 0 || key.opt_level > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("AOT key opt level ", key.opt_level, " is not in 0..3"));
  }
  CompileOptions options;
  options.opt_level = key.opt_level;
  options.threads = threads;
  absl::StatusOr<CodeImage> image = compile_eager(m, info, options);
  if (!image.ok()) return image.status();
  return write_artifact(key, m, *image, build_memory_image(m));
}

}  // namespace ws::engine::aot
