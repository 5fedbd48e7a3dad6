// Code generation facade: validated Module -> native code through LLVM (ORC JIT). No LLVM types
// leak out of this header; the result is the runtime's CompiledCode.
#pragma once

#include <array>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/abi/intrinsics.h"
#include "engine/runtime/code.h"
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
};

// Compiles every function of `m` (validated, with `info` from the validator) into the process's
// JIT. UNIMPLEMENTED for instructions this back end does not compile yet (SIMD).
absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_jit(const Module& m,
                                                                const ModuleInfo& info,
                                                                const CompileOptions& options);

// The lazy tier: returns at once with a call-through stub per defined function (in
// CompiledCode::functions); a function is compiled alone (IR pipeline at opt_level, machine
// code at lazy_codegen_level) the first time any thread calls its stub, exactly once, on the
// JIT's compile threads; trampolines and host adapters are compiled up front. Each compiled
// function's range arrives in CompiledCode::live_ranges before it runs.
// UNIMPLEMENTED up front when a function uses SIMD (as compile_jit would report).
absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_lazy(
    std::shared_ptr<const Module> module, const ModuleInfo& info, const CompileOptions& options);

}  // namespace ws::engine
