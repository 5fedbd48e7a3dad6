// wasm-oci: packs a WebAssembly module (and files) into a container image tarball.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tools/wasm-oci/options.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<ws::tools::PackOptions> o = ws::tools::parse_pack_options(args);
  if (!o.ok()) {
    std::fprintf(stderr, "wasm-oci: %s\n", std::string(o.status().message()).c_str());
    return 1;
  }
  if (o->help) {
    std::fputs(ws::tools::kWasmOciUsage, stdout);
    return 0;
  }
  absl::StatusOr<ws::tools::BuiltImage> image = ws::tools::build_image(o->input, o->format);
  if (!image.ok()) {
    std::fprintf(stderr, "wasm-oci: %s\n", std::string(image.status().message()).c_str());
    return 2;
  }
  std::string tmp = o->output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(image->archive.data(), static_cast<std::streamsize>(image->archive.size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "wasm-oci: %s: cannot write\n", tmp.c_str());
      std::remove(tmp.c_str());
      return 2;
    }
  }
  if (std::rename(tmp.c_str(), o->output.c_str()) != 0) {
    std::fprintf(stderr, "wasm-oci: %s: cannot rename into place\n", o->output.c_str());
    std::remove(tmp.c_str());
    return 2;
  }
  std::printf("%s %s\n", image->ref.c_str(), image->manifest_digest.c_str());
  return 0;
}
