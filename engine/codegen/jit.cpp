// The process-wide ORC JIT: compiles an emitted module, links it into its own JITDylib with the
// runtime's intrinsics, and records each function's machine-code range.
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/codegen/emitter.h"

namespace ws::engine {
namespace {

namespace orc = llvm::orc;

std::string to_string(llvm::Error e) { return llvm::toString(std::move(e)); }

// Records [address, address + size) of every "ws_f<index>" symbol a link defines, per JITDylib.
class RangeRecorder : public orc::ObjectLinkingLayer::Plugin {
 public:
  void modifyPassConfig(orc::MaterializationResponsibility& mr, llvm::jitlink::LinkGraph&,
                        llvm::jitlink::PassConfiguration& config) override {
    orc::JITDylib* jd = &mr.getTargetJITDylib();
    config.PostFixupPasses.push_back([this, jd](llvm::jitlink::LinkGraph& g) {
      std::lock_guard<std::mutex> lock(mu_);
      for (llvm::jitlink::Symbol* sym : g.defined_symbols()) {
        if (!sym->hasName()) continue;
        llvm::StringRef name = sym->getName();
        uint32_t index;
        if (!name.consume_front("ws_f") || name.getAsInteger(10, index)) continue;
        uintptr_t start = sym->getAddress().getValue();
        ranges_[jd].push_back({index, start, start + sym->getSize()});
      }
      return llvm::Error::success();
    });
  }
  llvm::Error notifyFailed(orc::MaterializationResponsibility&) override {
    return llvm::Error::success();
  }
  llvm::Error notifyRemovingResources(orc::JITDylib&, orc::ResourceKey) override {
    return llvm::Error::success();
  }
  void notifyTransferringResources(orc::JITDylib&, orc::ResourceKey, orc::ResourceKey) override {}

  struct Entry {
    uint32_t index;
    uintptr_t start, end;
  };
  std::vector<Entry> take(orc::JITDylib* jd) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Entry> out = std::move(ranges_[jd]);
    ranges_.erase(jd);
    return out;
  }

 private:
  std::mutex mu_;
  std::map<orc::JITDylib*, std::vector<Entry>> ranges_;
};

struct Jit {
  std::unique_ptr<orc::LLJIT> lljit;
  RangeRecorder* ranges = nullptr;
  std::optional<orc::JITTargetMachineBuilder> jtmb;  // a TargetMachine per compile (threads)
  std::atomic<uint64_t> next_id{0};
  std::string error;
};

Jit& jit() {
  static Jit* j = [] {
    auto* out = new Jit;
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto jtmb = orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) {
      out->error = to_string(jtmb.takeError());
      return out;
    }
    jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::Default);
    out->jtmb = *jtmb;
    auto recorder = std::make_unique<RangeRecorder>();
    out->ranges = recorder.get();
    auto built = orc::LLJITBuilder()
                     .setJITTargetMachineBuilder(std::move(*jtmb))
                     .setSupportConcurrentCompilation(true)
                     .setObjectLinkingLayerCreator(
                         [&recorder](orc::ExecutionSession& es, const llvm::Triple&)
                             -> llvm::Expected<std::unique_ptr<orc::ObjectLayer>> {
                           auto layer = std::make_unique<orc::ObjectLinkingLayer>(es);
                           layer->addPlugin(std::move(recorder));
                           return std::unique_ptr<orc::ObjectLayer>(std::move(layer));
                         })
                     .create();
    if (!built) {
      out->error = to_string(built.takeError());
      return out;
    }
    out->lljit = std::move(*built);
    return out;
  }();
  return *j;
}

void optimize(llvm::Module& mod, llvm::TargetMachine* tm, int level) {
  if (level <= 0) return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel ol = level == 1   ? llvm::OptimizationLevel::O1
                               : level == 2 ? llvm::OptimizationLevel::O2
                                            : llvm::OptimizationLevel::O3;
  pb.buildPerModuleDefaultPipeline(ol).run(mod, mam);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_jit(const Module& m,
                                                                const ModuleInfo& info,
                                                                const CompileOptions& options) {
  Jit& j = jit();
  if (!j.lljit) return absl::InternalError(absl::StrCat("cannot start the JIT: ", j.error));
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto mod = std::make_unique<llvm::Module>("wasm", *ctx);
  mod->setDataLayout(j.lljit->getDataLayout());
  mod->setTargetTriple(j.lljit->getTargetTriple().str());
  codegen::ModuleEnv env(m, info, *ctx, *mod);
  for (uint32_t i = m.num_imported_funcs; i < m.functions.size(); ++i) {
    absl::Status s = codegen::FunctionEmitter(env, i).emit();
    if (!s.ok()) return s;
  }
  codegen::emit_trampolines(env);
  codegen::emit_host_adapters(env);
  std::string verify;
  llvm::raw_string_ostream os(verify);
  if (llvm::verifyModule(*mod, &os)) {
    return absl::InternalError(absl::StrCat("codegen produced invalid IR: ", verify));
  }
  auto tm = j.jtmb->createTargetMachine();
  if (!tm) return absl::InternalError(to_string(tm.takeError()));
  optimize(*mod, tm->get(), options.opt_level);

  orc::ExecutionSession& es = j.lljit->getExecutionSession();
  auto jd_or = es.createJITDylib(absl::StrCat("wasm", j.next_id++));
  if (!jd_or) return absl::InternalError(to_string(jd_or.takeError()));
  orc::JITDylib& jd = *jd_or;
  orc::SymbolMap intrinsics;
  for (size_t i = 0; i < kNumIntrinsics; ++i) {
    intrinsics[j.lljit->mangleAndIntern(kIntrinsicSymbols[i])] = {
        orc::ExecutorAddr::fromPtr(options.intrinsics[i]), llvm::JITSymbolFlags::Exported};
  }
  auto remove = [&es, &jd] { llvm::consumeError(es.removeJITDylib(jd)); };
  if (auto e = jd.define(orc::absoluteSymbols(std::move(intrinsics)))) {
    remove();
    return absl::InternalError(to_string(std::move(e)));
  }
  auto gen = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      j.lljit->getDataLayout().getGlobalPrefix());
  if (gen) jd.addGenerator(std::move(*gen));
  if (auto e = j.lljit->addIRModule(jd, orc::ThreadSafeModule(std::move(mod), std::move(ctx)))) {
    remove();
    return absl::InternalError(to_string(std::move(e)));
  }

  auto code = std::make_shared<CompiledCode>();
  // On a failed lookup the dylib is removed before the error is returned.
  auto lookup = [&](const std::string& name) -> absl::StatusOr<void*> {
    auto addr = j.lljit->lookup(jd, name);
    if (!addr) {
      remove();
      return absl::InternalError(to_string(addr.takeError()));
    }
    return addr->toPtr<void*>();
  };
  for (uint32_t i = m.num_imported_funcs; i < m.functions.size(); ++i) {
    auto p = lookup(codegen::ModuleEnv::function_symbol(i));
    if (!p.ok()) return p.status();
    code->functions.push_back(*p);
  }
  for (uint32_t t = 0; t < m.types.size(); ++t) {
    auto p = lookup(codegen::ModuleEnv::trampoline_symbol(t));
    if (!p.ok()) return p.status();
    code->trampolines.push_back(reinterpret_cast<abi::Trampoline>(*p));
  }
  for (uint32_t i = 0; i < m.num_imported_funcs; ++i) {
    auto p = lookup(codegen::ModuleEnv::adapter_symbol(i));
    if (!p.ok()) return p.status();
    code->host_adapters.push_back(*p);
  }
  code->ranges.resize(m.functions.size() - m.num_imported_funcs);
  for (const auto& e : j.ranges->take(&jd)) {
    if (e.index >= m.num_imported_funcs && e.index < m.functions.size()) {
      code->ranges[e.index - m.num_imported_funcs] = {e.start, e.end};
    }
  }
  orc::JITDylib* jdp = &jd;
  code->owner = std::shared_ptr<void>(jdp, [&es](void* p) {
    llvm::consumeError(es.removeJITDylib(*static_cast<orc::JITDylib*>(p)));
  });
  return std::shared_ptr<const CompiledCode>(std::move(code));
}

}  // namespace ws::engine
