// Test harness: a Wasm module that re-exports every WASI import under its own name (generated
// from functions.def), so tests call host functions with raw pointers into a real guest memory.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/wasi/abi.h"
#include "engine/wasi/wasi.h"
#include "test/fixtures/wat.h"

namespace ws::engine::wasi::testing {

inline std::string harness_wat() {
  std::string imports, exports;
  auto add = [&](const char* name, std::string_view params, std::string_view results) {
    std::string sig, args;
    for (size_t i = 0; i < params.size(); ++i) {
      sig += params[i] == 'I' ? " i64" : " i32";
      args += " (local.get " + std::to_string(i) + ")";
    }
    std::string p = params.empty() ? "" : " (param" + sig + ")";
    std::string r = results.empty() ? "" : " (result i32)";
    imports += "(import \"wasi_snapshot_preview1\" \"" + std::string(name) + "\" (func $" + name +
               p + r + "))\n";
    exports +=
        "(func (export \"" + std::string(name) + "\")" + p + r + " (call $" + name + args + "))\n";
  };
#define WASI_FUNCTION(name, params, results) add(#name, params, results);
#include "engine/wasi/functions.def"
#undef WASI_FUNCTION
  return "(module\n" + imports + "(memory (export \"memory\") 1)\n" + exports + ")";
}

class Harness {
 public:
  explicit Harness(const WasiConfig& config) {
    auto cm = engine_.load(ws::testing::wat_to_wasm(harness_wat()));
    EXPECT_TRUE(cm.ok()) << cm.status();
    auto ctx = WasiContext::create(config);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    if (!cm.ok() || !ctx.ok()) return;
    module_ = *cm;
    ctx_ = std::move(*ctx);
    ctx_->define(store_, linker_);
    auto inst = instantiate(store_, *module_, linker_);
    EXPECT_TRUE(inst.ok()) << inst.status();
    if (inst.ok()) instance_ = *inst;
  }
  bool ok() const { return instance_ != nullptr; }
  Store& store() { return store_; }
  uint8_t* mem() const { return instance_->memory(0)->base(); }

  // Calls WASI function `name` with `args` (converted to each parameter's type).
  Outcome invoke(const std::string& name, std::vector<uint64_t> args) {
    std::optional<Extern> e = instance_->find_export(name);
    EXPECT_TRUE(e.has_value()) << name;
    std::vector<abi::RawValue> raw;
    for (size_t i = 0; i < args.size(); ++i) {
      bool is64 = e->func->type->param(static_cast<uint32_t>(i)) == ValType::kI64;
      raw.push_back(is64 ? raw_i64(static_cast<int64_t>(args[i]))
                         : raw_i32(static_cast<int32_t>(args[i])));
    }
    auto out = store_.invoke(e->func, raw);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : Outcome{};
  }
  // The errno a function returned (-1 when it did not return).
  int call(const std::string& name, std::vector<uint64_t> args) {
    Outcome o = invoke(name, std::move(args));
    if (!o.returned()) return -1;
    return raw_as_i32(o.results[0]);
  }

  // Writes `s` at `addr` and returns addr, for path arguments.
  uint32_t put(uint32_t addr, std::string_view s) {
    std::memcpy(mem() + addr, s.data(), s.size());
    return addr;
  }
  template <typename T>
  void store(uint32_t addr, const T& v) {
    std::memcpy(mem() + addr, &v, sizeof(T));
  }
  template <typename T>
  T load(uint32_t addr) const {
    T v;
    std::memcpy(&v, mem() + addr, sizeof(T));
    return v;
  }

  // path_open under `dir` with the given rights; returns the errno, the new fd in `fd`.
  int open(uint32_t dir, std::string_view path, uint32_t oflags, uint64_t base, uint32_t& fd,
           uint32_t lookup = 1, uint32_t fdflags = 0) {
    put(kScratch, path);
    int e = call("path_open",
                 {dir, lookup, kScratch, path.size(), oflags, base, base, fdflags, kResult});
    fd = load<uint32_t>(kResult);
    return e;
  }

  static constexpr uint32_t kScratch = 1024;  // path strings
  static constexpr uint32_t kScratch2 = 2048;
  static constexpr uint32_t kResult = 512;  // result pointers

 private:
  Engine engine_;
  Store store_;
  Linker linker_;
  std::shared_ptr<const CompiledModule> module_;
  std::unique_ptr<WasiContext> ctx_;
  Instance* instance_ = nullptr;
};

constexpr int kErr(Errno e) { return static_cast<int>(e); }

}  // namespace ws::engine::wasi::testing
