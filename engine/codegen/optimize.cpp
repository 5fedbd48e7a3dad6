// The IR pipeline of the eager pipeline and the lazy tier: a short per-function pipeline for
// code a Wasm producer has already optimised, instead of LLVM's whole per-module pipeline.
#include <llvm/IR/IRBuilder.h>
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

// +-0 or +-1: the constants for which LLVM folds an fadd, fsub, fmul or fdiv to its other operand
// or its negation (FunctionEmitter::quiet_nan_result).
bool identity_like(const llvm::Value* v) {
  const auto* c = llvm::dyn_cast<llvm::ConstantFP>(v);
  return c && !c->isNaN() && (c->isZero() || c->isExactlyValue(1.0) || c->isExactlyValue(-1.0));
}

// The emitters guard x * 1.0 and the like against LLVM folding away the quieting of a signalling
// NaN x, but only for constants they see. A constant held in a local becomes an operand when
// SROA promotes the local, and the next InstSimplify (EarlyCSE) would fold x * 1.0 to x. This
// pass, right after SROA, gives such operations the same guard: select(x is NaN, x + x, r).
struct QuietNanAfterSroaPass : llvm::PassInfoMixin<QuietNanAfterSroaPass> {
  // Already guarded by the emitter: op's one user is select(fcmp uno x x, _, op).
  static bool guarded(llvm::BinaryOperator* op) {
    if (!op->hasOneUse()) return false;
    auto* sel = llvm::dyn_cast<llvm::SelectInst>(*op->user_begin());
    auto* cmp = sel ? llvm::dyn_cast<llvm::FCmpInst>(sel->getCondition()) : nullptr;
    return cmp && cmp->getPredicate() == llvm::FCmpInst::FCMP_UNO && sel->getFalseValue() == op &&
           cmp->getOperand(0) == cmp->getOperand(1);
  }

  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager&) {
    std::vector<llvm::BinaryOperator*> found;
    for (llvm::BasicBlock& bb : f) {
      for (llvm::Instruction& i : bb) {
        auto* op = llvm::dyn_cast<llvm::BinaryOperator>(&i);
        if (!op || !op->getType()->isFloatingPointTy()) continue;
        auto code = op->getOpcode();
        if (code != llvm::Instruction::FAdd && code != llvm::Instruction::FSub &&
            code != llvm::Instruction::FMul && code != llvm::Instruction::FDiv) {
          continue;
        }
        bool lc = llvm::isa<llvm::Constant>(op->getOperand(0));
        bool rc = llvm::isa<llvm::Constant>(op->getOperand(1));
        if (lc == rc || !identity_like(op->getOperand(lc ? 0 : 1))) continue;
        if (!guarded(op)) found.push_back(op);
      }
    }
    for (llvm::BinaryOperator* op : found) {
      llvm::Value* x = op->getOperand(llvm::isa<llvm::Constant>(op->getOperand(0)) ? 1 : 0);
      llvm::IRBuilder<> b(op->getNextNode());
      llvm::Value* safe = b.CreateSelect(b.CreateFCmpUNO(x, x), b.CreateFAdd(x, x), op);
      op->replaceUsesWithIf(safe, [&](llvm::Use& u) { return u.getUser() != safe; });
    }
    return found.empty() ? llvm::PreservedAnalyses::all() : llvm::PreservedAnalyses::none();
  }
};

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
  fpm.addPass(QuietNanAfterSroaPass());
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
    pb.registerPipelineStartEPCallback([](llvm::ModulePassManager& mpm, llvm::OptimizationLevel) {
      llvm::FunctionPassManager fpm;
      fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
      fpm.addPass(QuietNanAfterSroaPass());
      mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
    });
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
