#include "engine/codegen/ir_test_util.h"

#include <gtest/gtest.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>

namespace ws::engine::codegen {

HostIr parse_host_ir(const std::string& ir) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::InitializeNativeTargetAsmParser();
  HostIr out;
  out.ctx = std::make_unique<llvm::LLVMContext>();
  llvm::SMDiagnostic diag;
  out.mod = llvm::parseAssemblyString(ir, diag, *out.ctx);
  EXPECT_NE(out.mod, nullptr) << diag.getMessage().str();
  if (!out.mod) return out;
  std::string triple = llvm::sys::getProcessTriple(), error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  EXPECT_NE(target, nullptr) << error;
  if (!target) {
    out.mod.reset();
    return out;
  }
  out.tm.reset(target->createTargetMachine(triple, "x86-64", "", llvm::TargetOptions(),
                                           llvm::Reloc::PIC_, llvm::CodeModel::Small));
  out.mod->setDataLayout(out.tm->createDataLayout());
  out.mod->setTargetTriple(triple);
  return out;
}

}  // namespace ws::engine::codegen
