// The engine side of the codegen plugin: dlopen on the first compile, and the compile entry
// points of codegen.h forwarding to the plugin's table.
#include "engine/codegen/loader.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine_build_id.h"

#ifndef WS_CODEGEN_BUILD_PATH
#define WS_CODEGEN_BUILD_PATH ""
#endif

namespace ws::engine::codegen_plugin {
namespace {

std::string exe_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  std::string path(buf, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

// Loads `path` and checks its table; the reason when it cannot be used.
absl::StatusOr<const Table*> try_load(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::NotFoundError("not found");
  // RTLD_LOCAL: the plugin's copies of our static libraries stay private to it (its version
  // script exports only the entry point). Never dlclosed: code and types it made outlive calls.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = dlerror();
    return absl::FailedPreconditionError(absl::StrCat("dlopen: ", e ? e : "unknown error"));
  }
  void* sym = dlsym(handle, kEntrySymbol);
  if (sym == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("no symbol ", kEntrySymbol));
  }
  auto entry = reinterpret_cast<const Table* (*)()>(sym);
  const Table* table = entry();
  if (table == nullptr) return absl::FailedPreconditionError("entry point returned no table");
  if (absl::Status s = check_table(*table); !s.ok()) return s;
  return table;
}

}  // namespace

absl::StatusOr<const Table*> load_from(const std::vector<std::string>& paths) {
  std::vector<std::string> tried;
  for (const std::string& path : paths) {
    absl::StatusOr<const Table*> t = try_load(path);
    if (t.ok()) return t;
    tried.push_back(absl::StrCat(path, " (", t.status().message(), ")"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("cannot load the code generator ", kFileName,
                   " (set WASMSHIM_CODEGEN to its path); tried: ", absl::StrJoin(tried, "; ")));
}

std::vector<std::string> search_paths() {
  if (const char* env = std::getenv("WASMSHIM_CODEGEN"); env != nullptr && *env != '\0') {
    return {env};
  }
  std::vector<std::string> out;
  if (std::string dir = exe_dir(); !dir.empty()) {
    out.push_back(absl::StrCat(dir, "/", kFileName));
    out.push_back(absl::StrCat(dir, "/../lib/wasmshim/", kFileName));
  }
  if (std::strlen(WS_CODEGEN_BUILD_PATH) > 0) out.push_back(WS_CODEGEN_BUILD_PATH);
  return out;
}

absl::Status check_table(const Table& table) {
  if (table.abi_version != kAbiVersion) {
    return absl::FailedPreconditionError(absl::StrCat("plugin ABI version ", table.abi_version,
                                                      ", this engine needs ", kAbiVersion));
  }
  if (table.table_size != sizeof(Table) || table.layout != layout_fingerprint()) {
    return absl::FailedPreconditionError(
        "plugin built from another revision of the engine (table or type layout differs)");
  }
  if (table.compiler == nullptr || std::strcmp(table.compiler, __VERSION__) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("plugin built by compiler \"",
                                                      table.compiler ? table.compiler : "?",
                                                      "\", this engine by \"", __VERSION__, "\""));
  }
  if (table.engine_build == nullptr || std::strcmp(table.engine_build, WS_ENGINE_BUILD_ID) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("plugin is engine build ", table.engine_build ? table.engine_build : "?",
                     ", this engine is build ", WS_ENGINE_BUILD_ID));
  }
  return absl::OkStatus();
}

absl::StatusOr<const Table*> load() {
  static const absl::StatusOr<const Table*>* loaded =
      new absl::StatusOr<const Table*>(load_from(search_paths()));
  return *loaded;
}

}  // namespace ws::engine::codegen_plugin

namespace ws::engine {

absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_jit(const Module& m,
                                                                const ModuleInfo& info,
                                                                const CompileOptions& options) {
  absl::StatusOr<const codegen_plugin::Table*> t = codegen_plugin::load();
  if (!t.ok()) return t.status();
  return (*t)->compile_jit(m, info, options);
}

absl::StatusOr<CodeImage> compile_eager(const Module& m, const ModuleInfo& info,
                                        const CompileOptions& options, CompileStats* stats) {
  absl::StatusOr<const codegen_plugin::Table*> t = codegen_plugin::load();
  if (!t.ok()) return t.status();
  return (*t)->compile_eager(m, info, options, stats);
}

absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_lazy(
    std::shared_ptr<const Module> module, const ModuleInfo& info, const CompileOptions& options) {
  absl::StatusOr<const codegen_plugin::Table*> t = codegen_plugin::load();
  if (!t.ok()) return t.status();
  return (*t)->compile_lazy(std::move(module), info, options);
}

absl::Status tier_up(const CompiledCode& lazy, std::shared_ptr<const CompiledCode> better,
                     uint32_t num_imported_funcs) {
  absl::StatusOr<const codegen_plugin::Table*> t = codegen_plugin::load();
  if (!t.ok()) return t.status();
  return (*t)->tier_up(lazy, std::move(better), num_imported_funcs);
}

// Loads the plugin: a cache key needs no LLVM (support/cpu_id.h) and should not call this.
std::string host_cpu_features() {
  absl::StatusOr<const codegen_plugin::Table*> t = codegen_plugin::load();
  return t.ok() ? (*t)->host_cpu_features() : std::string("unknown");
}
}  // namespace ws::engine
