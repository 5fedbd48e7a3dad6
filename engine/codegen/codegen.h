// Code generation facade: validated Module -> native code through LLVM (eager pipeline into a
// linked CodeImage, or ORC JIT). No LLVM types leak out of this header.
#pragma once

#include <array>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/abi/intrinsics.h"
#include "engine/runtime/code.h"
#include "engine/runtime/code_image.h"
#include "engine/validate/validator.h"

namespace ws::engine {

struct CompileOptions {
  int opt_level = 2;  // 0..3, LLVM's pipeline levels
  // compile_lazy's machine-code level, after the IR pipeline at opt_level: 0 (fast instruction
  // selection and register allocation) costs several times less than 2 for the same IR, which
  // is what a first call waits for (bench/lazy); 1..3 as LLVM's codegen levels.
  int lazy_codegen_level = 0;
  // Addresses of the runtime functions compiled code calls, indexed by IntrinsicId. The engine
  // facade fills them from engine/runtime (codegen does not link the runtime).
  std::array<void*, kNumIntrinsics> intrinsics{};
  // compile_eager: worker threads; 0 = std::thread::hardware_concurrency().
  int threads = 0;
  // compile_eager: number of partitions; 0 = by body size (tests force a split).
  int partitions = 0;
};

// Where compile_eager's time went. The per-phase seconds are CPU time summed over threads.
struct CompileStats {
  int partitions = 0;
  int threads = 0;
  double emit_seconds = 0;     // IR emission and verification
  double opt_seconds = 0;      // LLVM's optimisation pipeline
  double codegen_seconds = 0;  // instruction selection to object code
  double link_seconds = 0;     // object_linker (wall time)
  uint64_t object_bytes = 0;
};

// Compiles every defined function of `m` into one position-independent image: functions split
// into partitions balanced by body size (one for small modules), each partition compiled on a
// worker thread into an ELF object for the host CPU, the objects linked by our own linker.
// The image imports the runtime intrinsics and a few libc functions by name (see CodeImage).
absl::StatusOr<CodeImage> compile_eager(const Module& m, const ModuleInfo& info,
                                        const CompileOptions& options,
                                        CompileStats* stats = nullptr);

// The host CPU as compile_eager targets it: LLVM's CPU name and its sorted feature string
// ("cpu;+f1,-f2,..."); part of an AOT artifact's key.
std::string host_cpu_features();

// Compiles every function of `m` (validated, with `info` from the validator) into the process's
// JIT.
absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_jit(const Module& m,
                                                                const ModuleInfo& info,
                                                                const CompileOptions& options);

// The lazy tier: returns at once with a call-through stub per defined function (in
// CompiledCode::functions); a function is compiled alone (IR pipeline at opt_level, machine
// code at lazy_codegen_level) the first time any thread calls its stub, exactly once, on the
// JIT's compile threads; trampolines and host adapters are compiled up front. Each compiled
// function's range arrives in CompiledCode::live_ranges before it runs.
absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_lazy(
    std::shared_ptr<const Module> module, const ModuleInfo& info, const CompileOptions& options);

// Background tier-up of code from compile_lazy: registers `better`'s function ranges (the same
// module compiled whole, e.g. an artifact from the cache) with the lazy code's live ranges, then
// points every function's call-through stub at `better`'s entry, so that every later call of the
// function (direct, indirect, or from the host) runs `better`'s code; frames already running
// finish on the code they started in. Keeps `better` alive as long as `lazy`. Callable again with
// the same `better` (re-points the stubs: a function whose first call was compiling meanwhile set
// its stub to that body afterwards).
absl::Status tier_up(const CompiledCode& lazy, std::shared_ptr<const CompiledCode> better,
                     uint32_t num_imported_funcs);

}  // namespace ws::engine
