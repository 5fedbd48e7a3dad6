// The process-wide ORC JITs: the eager one compiles a whole emitted module; the lazy one
// (compile_lazy) compiles each function at its first call behind ORC lazy re-exports. Both link
// into a JITDylib per module with the runtime's intrinsics and record machine-code ranges.
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/IndirectionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/LazyReexports.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/codegen/emitter.h"

namespace ws::engine {
namespace {

namespace orc = llvm::orc;

std::string to_string(llvm::Error e) { return llvm::toString(std::move(e)); }

// A lazily compiled function's body; "ws_f<index>" is its lazy re-export (the call-through
// stub every caller and the runtime use).
std::string body_symbol(uint32_t index) { return absl::StrCat("ws_f", index, ".body"); }

// Records [address, address + size) of every "ws_f<index>" or "ws_f<index>.body" symbol a link
// defines: per JITDylib for take(), or straight into the LiveRanges a JITDylib is watched by.
class RangeRecorder : public orc::ObjectLinkingLayer::Plugin {
 public:
  void modifyPassConfig(orc::MaterializationResponsibility& mr, llvm::jitlink::LinkGraph&,
                        llvm::jitlink::PassConfiguration& config) override {
    orc::JITDylib* jd = &mr.getTargetJITDylib();
    // Post-fixup: addresses are final and the code cannot run before the link completes.
    config.PostFixupPasses.push_back([this, jd](llvm::jitlink::LinkGraph& g) {
      std::vector<Entry> found;
      for (llvm::jitlink::Symbol* sym : g.defined_symbols()) {
        if (!sym->hasName()) continue;
        llvm::StringRef name = sym->getName();
        uint32_t index;
        if (!name.consume_front("ws_f") || name.consumeInteger(10, index)) continue;
        if (!name.empty() && name != ".body") continue;
        uintptr_t start = sym->getAddress().getValue();
        found.push_back({index, start, start + sym->getSize()});
      }
      std::shared_ptr<LiveRanges> live;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = live_.find(jd);
        if (it != live_.end()) {
          live = it->second;
        } else {
          auto& out = ranges_[jd];
          out.insert(out.end(), found.begin(), found.end());
        }
      }
      if (live) {
        for (const Entry& e : found) live->add({e.index, {e.start, e.end}});
      }
      return llvm::Error::success();
    });
  }
  void watch(orc::JITDylib* jd, std::shared_ptr<LiveRanges> live) {
    std::lock_guard<std::mutex> lock(mu_);
    live_[jd] = std::move(live);
  }
  void unwatch(orc::JITDylib* jd) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(jd);
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
  std::map<orc::JITDylib*, std::shared_ptr<LiveRanges>> live_;
};

struct Jit {
  std::unique_ptr<orc::LLJIT> lljit;
  RangeRecorder* ranges = nullptr;
  std::optional<orc::JITTargetMachineBuilder> jtmb;  // a TargetMachine per compile (threads)
  std::atomic<uint64_t> next_id{0};
  std::string error;
  // Idle TargetMachines for per-function compiles (a TargetMachine serves one thread at once).
  std::mutex tm_mu;
  std::vector<std::unique_ptr<llvm::TargetMachine>> idle_tms;
};

// With concurrent compilation on, ORC materializes on threads of its own, at most
// `compile_threads` at once (0: no bound), never on the thread that looks a symbol up: for the
// lazy JIT that thread is Wasm code's, maybe deep in recursion with little stack left.
Jit* make_jit(unsigned compile_threads) {
  auto* out = new Jit;
  codegen::configure_llvm();
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
  auto built =
      orc::LLJITBuilder()
          .setJITTargetMachineBuilder(std::move(*jtmb))
          .setNumCompileThreads(compile_threads)
          .setSupportConcurrentCompilation(true)
          .setObjectLinkingLayerCreator([&recorder](orc::ExecutionSession& es, const llvm::Triple&)
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
}

Jit& jit() {
  static Jit* j = make_jit(0);
  return *j;
}

Jit& lazy_jit() {
  static Jit* j = make_jit(2);
  return *j;
}

// Lends an idle TargetMachine of `j` (or a new one) and takes it back when released.
struct TmLease {
  TmLease(Jit* jit, std::unique_ptr<llvm::TargetMachine> t) : j(jit), tm(std::move(t)) {}
  TmLease(TmLease&&) = default;
  TmLease& operator=(TmLease&&) = delete;
  Jit* j;
  std::unique_ptr<llvm::TargetMachine> tm;
  ~TmLease() {
    if (!tm) return;
    std::lock_guard<std::mutex> lock(j->tm_mu);
    j->idle_tms.push_back(std::move(tm));
  }
};

llvm::Expected<TmLease> lease_tm(Jit& j) {
  {
    std::lock_guard<std::mutex> lock(j.tm_mu);
    if (!j.idle_tms.empty()) {
      TmLease lease(&j, std::move(j.idle_tms.back()));
      j.idle_tms.pop_back();
      return lease;
    }
  }
  auto tm = j.jtmb->createTargetMachine();
  if (!tm) return tm.takeError();
  return TmLease(&j, std::move(*tm));
}

// Defines the runtime's intrinsics in `jd` and lets it resolve libc symbols (memcpy, ...) that
// LLVM may call.
llvm::Error define_runtime(Jit& j, orc::JITDylib& jd, const CompileOptions& options) {
  orc::SymbolMap intrinsics;
  for (size_t i = 0; i < kNumIntrinsics; ++i) {
    intrinsics[j.lljit->mangleAndIntern(kIntrinsicSymbols[i])] = {
        orc::ExecutorAddr::fromPtr(options.intrinsics[i]), llvm::JITSymbolFlags::Exported};
  }
  if (auto e = jd.define(orc::absoluteSymbols(std::move(intrinsics)))) return e;
  auto gen = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      j.lljit->getDataLayout().getGlobalPrefix());
  if (!gen) return gen.takeError();
  jd.addGenerator(std::move(*gen));
  return llvm::Error::success();
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
  codegen::optimize(*mod, tm->get(), options.opt_level);

  orc::ExecutionSession& es = j.lljit->getExecutionSession();
  auto jd_or = es.createJITDylib(absl::StrCat("wasm", j.next_id++));
  if (!jd_or) return absl::InternalError(to_string(jd_or.takeError()));
  orc::JITDylib& jd = *jd_or;
  auto remove = [&es, &jd] { llvm::consumeError(es.removeJITDylib(jd)); };
  if (auto e = define_runtime(j, jd, options)) {
    remove();
    return absl::InternalError(to_string(std::move(e)));
  }
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

namespace {

// What a function needs to compile at its first call: the module, the validator's side table
// and the options. Held by each function's MaterializationUnit.
struct LazySource {
  std::shared_ptr<const Module> m;
  ModuleInfo info;
  CompileOptions options;
};

llvm::CodeGenOptLevel codegen_level(int opt_level) {
  return opt_level <= 0   ? llvm::CodeGenOptLevel::None
         : opt_level == 1 ? llvm::CodeGenOptLevel::Less
                          : llvm::CodeGenOptLevel::Default;
}

// Optimises `mod` (IR pipeline at `ir_level`) and compiles it into an object file at machine-code
// level `codegen_level`.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> compile_object(Jit& j, llvm::Module& mod,
                                                                   int ir_level,
                                                                   int codegen_level_) {
  auto lease = lease_tm(j);
  if (!lease) return lease.takeError();
  llvm::TargetMachine& tm = *lease->tm;
  tm.setOptLevel(codegen_level(codegen_level_));
  codegen::optimize(mod, &tm, ir_level);
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream out(object);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, out, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    return llvm::createStringError("the target cannot emit object files");
  }
  pm.run(mod);
  return std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(object),
                                                         mod.getModuleIdentifier(), false);
}

// Emits, optimises and compiles defined function `index` alone, in a fresh context, into an
// object whose only definition is body_symbol(index). Its calls to other functions go to
// their stubs "ws_f<i>" (declared on demand); self-recursion calls the body directly.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> compile_function(Jit& j, const LazySource& src,
                                                                     uint32_t index) {
  llvm::LLVMContext ctx;
  std::string name = body_symbol(index);
  llvm::Module mod(name, ctx);
  mod.setDataLayout(j.lljit->getDataLayout());
  mod.setTargetTriple(j.lljit->getTargetTriple().str());
  codegen::ModuleEnv env(*src.m, src.info, ctx, mod, codegen::ModuleEnv::Declare::kOnDemand);
  llvm::Function* fn = env.function(index);
  absl::Status s = codegen::FunctionEmitter(env, index).emit();
  if (!s.ok()) return llvm::createStringError(absl::StrCat("function ", index, ": ", s.message()));
  fn->setName(name);
  std::string verify;
  llvm::raw_string_ostream os(verify);
  if (llvm::verifyModule(mod, &os)) {
    return llvm::createStringError(
        absl::StrCat("function ", index, ": codegen produced invalid IR: ", verify));
  }
  return compile_object(j, mod, src.options.opt_level, src.options.lazy_codegen_level);
}

// Provides body_symbol(index): compiles the function when something first looks it up (the
// call-through stub, at the function's first call). ORC runs it once per symbol.
class FunctionUnit : public orc::MaterializationUnit {
 public:
  FunctionUnit(std::shared_ptr<const LazySource> src, uint32_t index, orc::SymbolStringPtr body)
      : MaterializationUnit(Interface(
            orc::SymbolFlagsMap{
                {std::move(body), llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable}},
            nullptr)),
        src_(std::move(src)),
        index_(index) {}
  llvm::StringRef getName() const override { return "wasm-function"; }

 private:
  void materialize(std::unique_ptr<orc::MaterializationResponsibility> r) override {
    Jit& j = lazy_jit();
    auto object = compile_function(j, *src_, index_);
    if (!object) {
      j.lljit->getExecutionSession().reportError(object.takeError());
      r->failMaterialization();
      return;
    }
    j.lljit->getObjLinkingLayer().emit(std::move(r), std::move(*object));
  }
  void discard(const orc::JITDylib&, const orc::SymbolStringPtr&) override {}

  std::shared_ptr<const LazySource> src_;
  uint32_t index_;
};

// Where a call-through stub lands when its function cannot be compiled (the error was
// reported above). Unreachable for validated modules: every instruction compiles.
void lazy_compile_failed() {
  std::fputs("wasmshim: lazy compilation of a Wasm function failed\n", stderr);
  std::abort();
}

// Keeps a lazily compiled module's JITDylib, stubs and call-through trampolines; the
// JITDylib (and the functions' MaterializationUnits) goes first.
struct LazyOwner {
  orc::ExecutionSession* es = nullptr;
  RangeRecorder* recorder = nullptr;
  orc::JITDylib* jd = nullptr;
  std::unique_ptr<orc::LazyCallThroughManager> lctm;
  std::unique_ptr<orc::IndirectStubsManager> ism;
  // tier_up's code, which the stubs may jump to: goes before the stubs and the JITDylib (no
  // instance, hence no caller, is left when the owner goes).
  std::mutex upgrade_mu;
  std::shared_ptr<const CompiledCode> upgrade;
  ~LazyOwner() {
    if (jd == nullptr) return;
    recorder->unwatch(jd);
    llvm::consumeError(es->removeJITDylib(*jd));
  }
};

absl::Status internal(llvm::Error e) {
  return absl::InternalError(absl::StrCat("lazy JIT: ", to_string(std::move(e))));
}

// Trampolines and host adapters are small: compiled up front into the module's JITDylib, at
// the lazy functions' machine-code level.
llvm::Error add_entry_code(Jit& j, orc::JITDylib& jd, const Module& m, const ModuleInfo& info,
                           const CompileOptions& options) {
  if (m.types.empty() && m.num_imported_funcs == 0) return llvm::Error::success();
  llvm::LLVMContext ctx;
  llvm::Module mod("wasm-entry", ctx);
  mod.setDataLayout(j.lljit->getDataLayout());
  mod.setTargetTriple(j.lljit->getTargetTriple().str());
  codegen::ModuleEnv env(m, info, ctx, mod, codegen::ModuleEnv::Declare::kOnDemand);
  codegen::emit_trampolines(env);
  codegen::emit_host_adapters(env);
  auto object = compile_object(j, mod, 1, options.lazy_codegen_level);
  if (!object) return object.takeError();
  return j.lljit->getObjLinkingLayer().add(jd, std::move(*object));
}

// A JITDylib for one module with its own call-through manager and stubs manager, removed when
// the returned owner goes.
absl::StatusOr<std::shared_ptr<LazyOwner>> make_lazy_owner(Jit& j) {
  orc::ExecutionSession& es = j.lljit->getExecutionSession();
  const llvm::Triple& triple = j.lljit->getTargetTriple();
  auto owner = std::make_shared<LazyOwner>();
  owner->es = &es;
  owner->recorder = j.ranges;
  auto lctm = orc::createLocalLazyCallThroughManager(
      triple, es, orc::ExecutorAddr::fromPtr(&lazy_compile_failed));
  if (!lctm) return internal(lctm.takeError());
  owner->lctm = std::move(*lctm);
  owner->ism = orc::createLocalIndirectStubsManagerBuilder(triple)();
  auto jd = es.createJITDylib(absl::StrCat("wasm-lazy", j.next_id++));
  if (!jd) return internal(jd.takeError());
  owner->jd = &*jd;
  return owner;
}

// Defines each function's body (a FunctionUnit) and its stub (a lazy re-export of the body);
// adds the stubs to `wanted`.
llvm::Error define_functions(Jit& j, LazyOwner& owner, std::shared_ptr<const LazySource> src,
                             orc::SymbolLookupSet& wanted) {
  const Module& m = *src->m;
  const auto flags = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
  orc::SymbolAliasMap stubs;
  for (uint32_t i = m.num_imported_funcs; i < m.functions.size(); ++i) {
    orc::SymbolStringPtr body = j.lljit->mangleAndIntern(body_symbol(i));
    if (auto e = owner.jd->define(std::make_unique<FunctionUnit>(src, i, body))) return e;
    orc::SymbolStringPtr stub = j.lljit->mangleAndIntern(codegen::ModuleEnv::function_symbol(i));
    stubs[stub] = orc::SymbolAliasMapEntry(std::move(body), flags);
    wanted.add(stub);
  }
  if (stubs.empty()) return llvm::Error::success();
  return owner.jd->define(orc::lazyReexports(*owner.lctm, *owner.ism, *owner.jd, std::move(stubs)));
}

}  // namespace

absl::Status tier_up(const CompiledCode& lazy, std::shared_ptr<const CompiledCode> better,
                     uint32_t num_imported_funcs) {
  // Only compile_lazy makes live_ranges, and its owner is a LazyOwner.
  if (!lazy.live_ranges || !lazy.owner) {
    return absl::InvalidArgumentError("tier-up: the code is not from the lazy tier");
  }
  if (!better || better->functions.size() != lazy.functions.size() ||
      better->ranges.size() != lazy.functions.size()) {
    return absl::InvalidArgumentError("tier-up: the new code does not match the module");
  }
  auto& owner = *static_cast<LazyOwner*>(lazy.owner.get());
  Jit& j = lazy_jit();
  std::lock_guard<std::mutex> lock(owner.upgrade_mu);
  if (owner.upgrade && owner.upgrade != better) {
    return absl::FailedPreconditionError("tier-up: the code was upgraded already");
  }
  if (!owner.upgrade) {
    owner.upgrade = better;
    // Known to the code registry (trap attribution, backtraces) before any stub jumps there.
    for (uint32_t i = 0; i < better->ranges.size(); ++i) {
      lazy.live_ranges->add({num_imported_funcs + i, better->ranges[i]});
    }
  }
  // Also when called again: a function whose first call was compiling while the stubs were
  // switched had its stub set to that body afterwards; setting it again is harmless.
  for (uint32_t i = 0; i < better->functions.size(); ++i) {
    orc::SymbolStringPtr stub =
        j.lljit->mangleAndIntern(codegen::ModuleEnv::function_symbol(num_imported_funcs + i));
    if (auto e =
            owner.ism->updatePointer(*stub, orc::ExecutorAddr::fromPtr(better->functions[i]))) {
      return internal(std::move(e));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const CompiledCode>> compile_lazy(
    std::shared_ptr<const Module> module, const ModuleInfo& info, const CompileOptions& options) {
  const Module& m = *module;
  Jit& j = lazy_jit();
  if (!j.lljit) return absl::InternalError(absl::StrCat("cannot start the JIT: ", j.error));
  absl::StatusOr<std::shared_ptr<LazyOwner>> owner = make_lazy_owner(j);
  if (!owner.ok()) return owner.status();  // from here on, the owner removes the JITDylib
  orc::JITDylib& jd = *(*owner)->jd;
  auto code = std::make_shared<CompiledCode>();
  code->live_ranges = std::make_shared<LiveRanges>();
  j.ranges->watch(&jd, code->live_ranges);
  if (auto e = define_runtime(j, jd, options)) return internal(std::move(e));
  orc::SymbolLookupSet wanted;
  auto src = std::make_shared<const LazySource>(LazySource{module, info, options});
  if (auto e = define_functions(j, **owner, std::move(src), wanted)) return internal(std::move(e));
  if (auto e = add_entry_code(j, jd, m, info, options)) return internal(std::move(e));
  for (uint32_t t = 0; t < m.types.size(); ++t) {
    wanted.add(j.lljit->mangleAndIntern(codegen::ModuleEnv::trampoline_symbol(t)));
  }
  for (uint32_t i = 0; i < m.num_imported_funcs; ++i) {
    wanted.add(j.lljit->mangleAndIntern(codegen::ModuleEnv::adapter_symbol(i)));
  }
  // One lookup: makes every stub (no function compiles yet) and links the entry code.
  auto found =
      j.lljit->getExecutionSession().lookup(orc::makeJITDylibSearchOrder(&jd), std::move(wanted));
  if (!found) return internal(found.takeError());
  auto address = [&](const std::string& name) {
    return (*found)[j.lljit->mangleAndIntern(name)].getAddress().toPtr<void*>();
  };
  for (uint32_t i = m.num_imported_funcs; i < m.functions.size(); ++i) {
    code->functions.push_back(address(codegen::ModuleEnv::function_symbol(i)));
  }
  for (uint32_t t = 0; t < m.types.size(); ++t) {
    code->trampolines.push_back(
        reinterpret_cast<abi::Trampoline>(address(codegen::ModuleEnv::trampoline_symbol(t))));
  }
  for (uint32_t i = 0; i < m.num_imported_funcs; ++i) {
    code->host_adapters.push_back(address(codegen::ModuleEnv::adapter_symbol(i)));
  }
  code->owner = std::move(*owner);
  return std::shared_ptr<const CompiledCode>(std::move(code));
}

}  // namespace ws::engine
