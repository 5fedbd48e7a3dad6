// The plugin side of plugin.h: the table of this build's compile entry points.
#include "engine/codegen/plugin.h"

#include "engine_build_id.h"

namespace ws::engine::codegen_plugin {
namespace {

constexpr Table kTable = {
    .abi_version = kAbiVersion,
    .table_size = sizeof(Table),
    .layout = layout_fingerprint(),
    .compiler = __VERSION__,
    .engine_build = WS_ENGINE_BUILD_ID,
    .compile_jit = &ws::engine::compile_jit,
    .compile_eager = &ws::engine::compile_eager,
    .compile_lazy = &ws::engine::compile_lazy,
    .tier_up = &ws::engine::tier_up,
    .host_cpu_features = &ws::engine::host_cpu_features,
};

}  // namespace
}  // namespace ws::engine::codegen_plugin

extern "C" __attribute__((visibility("default"))) const ws::engine::codegen_plugin::Table*
ws_codegen_plugin_table() {
  return &ws::engine::codegen_plugin::kTable;
}
