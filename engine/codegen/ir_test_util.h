// Test support: hand-written IR parsed and prepared for the host the way compile_eager targets
// it (x86-64, PIC, small code model).
#pragma once

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

namespace ws::engine::codegen {

struct HostIr {
  std::unique_ptr<llvm::LLVMContext> ctx;  // declared first: outlives the module
  std::unique_ptr<llvm::Module> mod;       // null (and the test failed) when the IR is malformed
  std::unique_ptr<llvm::TargetMachine> tm;
};

HostIr parse_host_ir(const std::string& ir);

// The last function of `wat` emitted and optimised at `level` for the host (its callees are
// declared, not emitted); `fn` is null (and the test failed) when any step fails.
struct EmittedIr {
  HostIr host;
  llvm::Function* fn = nullptr;
};
EmittedIr emit_wat(const std::string& wat, int level);

}  // namespace ws::engine::codegen
