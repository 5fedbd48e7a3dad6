#include "engine/codegen/ir_test_util.h"

#include <gtest/gtest.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>

#include "engine/codegen/emitter.h"
#include "engine/decode/decoder.h"
#include "engine/validate/validator.h"
#include "test/fixtures/wat.h"

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

EmittedIr emit_wat(const std::string& wat, int level) {
  EmittedIr out;
  out.host = parse_host_ir("");
  if (!out.host.mod) return out;
  auto m = decode_module(ws::testing::wat_to_wasm(wat));
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok()) return out;
  auto info = validate_module(*m);
  EXPECT_TRUE(info.ok()) << info.status();
  if (!info.ok()) return out;
  ModuleEnv env(*m, *info, *out.host.ctx, *out.host.mod);
  uint32_t index = m->num_imported_funcs + static_cast<uint32_t>(m->codes.size()) - 1;
  absl::Status s = FunctionEmitter(env, index).emit();
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) return out;
  optimize(*out.host.mod, out.host.tm.get(), level);
  out.fn = env.function(index);
  return out;
}

}  // namespace ws::engine::codegen
