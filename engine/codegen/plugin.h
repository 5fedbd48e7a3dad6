// The codegen plugin's contract: libwasmshim-codegen.so (the only binary linking libLLVM) exports
// one C entry point returning a versioned table of the compile entry points; the engine dlopens
// it on its first compile (loader.cpp), so programs that only load cached artifacts never map
// LLVM. Both sides are built from the same tree with the same toolchain, so C++ types
// (absl::Status, std::string, shared_ptr) cross the boundary: where the program links abseil and
// libstdc++ statically (WS_STATIC_DEPS) and the plugin uses the shared libraries, the two copies
// are the same versions with the same layouts, and both allocate through glibc's malloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "engine/codegen/codegen.h"

namespace ws::engine::codegen_plugin {

// Bump when a member of Table changes meaning; appending a member changes sizeof(Table), which
// the loader checks as well.
inline constexpr uint32_t kAbiVersion = 2;
inline constexpr char kEntrySymbol[] = "ws_codegen_plugin_table";
inline constexpr char kFileName[] = "libwasmshim-codegen.so";

// Sizes of the types that cross the boundary: a plugin built from another revision of these
// structures is refused instead of misreading them.
constexpr uint64_t layout_fingerprint() {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t v : {sizeof(Module), sizeof(ModuleInfo), sizeof(CompileOptions),
                     sizeof(CompiledCode), sizeof(CodeImage), sizeof(CompileStats),
                     sizeof(absl::Status), sizeof(std::string), uint64_t{kNumIntrinsics}}) {
    h = (h ^ v) * 1099511628211ull;
  }
  return h;
}

// One member per entry point; adding one is one line here and one in plugin.cpp.
struct Table {
  uint32_t abi_version;
  uint32_t table_size;   // sizeof(Table) in the plugin
  uint64_t layout;       // layout_fingerprint() in the plugin
  const char* compiler;  // __VERSION__ of the compiler that built the plugin
  // WS_ENGINE_BUILD_ID of the plugin's sources: the engine build an artifact's key names must be
  // the code generator that compiled it.
  const char* engine_build;
  decltype(&ws::engine::compile_jit) compile_jit;
  decltype(&ws::engine::compile_eager) compile_eager;
  decltype(&ws::engine::compile_lazy) compile_lazy;
  decltype(&ws::engine::tier_up) tier_up;
  decltype(&ws::engine::host_cpu_features) host_cpu_features;
};

}  // namespace ws::engine::codegen_plugin

extern "C" {
// The plugin's only exported symbol.
const ws::engine::codegen_plugin::Table* ws_codegen_plugin_table();
}
