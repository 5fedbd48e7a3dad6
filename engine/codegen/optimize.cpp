// The IR pipeline of the eager pipeline and the lazy tier: a short per-function pipeline for
// code a Wasm producer has already optimised, instead of LLVM's whole per-module pipeline.
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/LICM.h>
#include <llvm/Transforms/Scalar/LoopPassManager.h>
#include <llvm/Transforms/Scalar/LoopRotation.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Vectorize/LoopVectorize.h>
#include <llvm/Transforms/Vectorize/VectorCombine.h>

#include "engine/codegen/emitter.h"
#include "engine/codegen/loop_passes.h"

namespace ws::engine::codegen {
namespace {

// What emitted Wasm needs after its producer's own -O2 (inlining, unrolling and vectorising
// already happened there, and partitions cut the call graph anyway): locals promoted to SSA
// (SROA), the runtime-context and address arithmetic folded (EarlyCSE, InstCombine), the
// br_if/trap block structure cleaned (SimplifyCFG), and at level 2 loop-invariant loads and
// address computations hoisted out of rotated loops (LICM) and redundant linear-memory loads
// removed across blocks (GVN). LLVM's default O2 module pipeline ran ~70 passes over the same
// IR for the same kernel speed at several times the cost (README, compile pipeline).
llvm::FunctionPassManager wasm_function_pipeline(int level) {
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  fpm.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  if (level >= 2) {
    llvm::LoopPassManager lpm;
    lpm.addPass(llvm::LoopRotatePass());
    lpm.addPass(llvm::LICMPass(llvm::LICMOptions()));
    fpm.addPass(llvm::createFunctionToLoopPassAdaptor(std::move(lpm), /*UseMemorySSA=*/true));
    fpm.addPass(CountedLoopChecksPass());
    fpm.addPass(ScanLoopChecksPass());
    fpm.addPass(RedundantLoopChecksPass());
    fpm.addPass(MemoryVersioningPass());
    fpm.addPass(llvm::LoopVectorizePass());
    fpm.addPass(llvm::VectorCombinePass());
    fpm.addPass(llvm::GVNPass());
    fpm.addPass(llvm::InstCombinePass());
    fpm.addPass(llvm::SimplifyCFGPass());
  }
  return fpm;
}

}  // namespace

void optimize(llvm::Module& mod, llvm::TargetMachine* tm, int level) {
  if (level <= 0) return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  // -time-passes and the -print-* options (WASMSHIM_LLVM_OPTIONS) report through these.
  llvm::PassInstrumentationCallbacks pic;
  llvm::StandardInstrumentations si(mod.getContext(), /*DebugLogging=*/false);
  si.registerCallbacks(pic, &mam);
  llvm::PassBuilder pb(tm, llvm::PipelineTuningOptions(), std::nullopt, &pic);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  if (level >= 3) {  // -O3: LLVM's whole per-module pipeline (inliner, vectorisers, ...)
    pb.registerVectorizerStartEPCallback(
        [](llvm::FunctionPassManager& fpm, llvm::OptimizationLevel) {
          fpm.addPass(CountedLoopChecksPass());
          fpm.addPass(ScanLoopChecksPass());
          fpm.addPass(RedundantLoopChecksPass());
          fpm.addPass(MemoryVersioningPass());
        });
    pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(mod, mam);
    return;
  }
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(wasm_function_pipeline(level)));
  mpm.run(mod, mam);
}

}  // namespace ws::engine::codegen
