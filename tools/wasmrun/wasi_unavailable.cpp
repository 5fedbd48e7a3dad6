// Stand-in for engine/wasi while that library is not built: WasiContext::create fails, so
// wasmrun still builds and reports the problem. CMake uses it only without target ws_engine_wasi.
#include "engine/wasi/wasi.h"

namespace ws::engine::wasi {

struct WasiContext::State {};

WasiContext::WasiContext(std::unique_ptr<State> state) : state_(std::move(state)) {}
WasiContext::~WasiContext() = default;

absl::StatusOr<std::unique_ptr<WasiContext>> WasiContext::create(const WasiConfig&) {
  return absl::UnimplementedError("this build has no WASI library (engine/wasi is not built)");
}

void WasiContext::define(Store&, Linker&) {}

}  // namespace ws::engine::wasi
