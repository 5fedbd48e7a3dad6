// The IR pipeline (optimize.cpp) on hand-written IR shaped like emitted Wasm: locals promoted
// to SSA at every level, loop-invariant runtime-context and memory loads hoisted at level 2.
#include <gtest/gtest.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Instructions.h>
#include <llvm/Support/CommandLine.h>

#include <cstdlib>

#include "engine/codegen/emitter.h"
#include "engine/codegen/ir_test_util.h"

namespace ws::engine::codegen {
namespace {

// A Wasm local in an alloca, summed over a loop that reloads the memory base from the context
// (invariant) and a value from linear memory that nothing in the loop stores to.
constexpr char kLoop[] = R"(
define i32 @ws_f0(ptr %ctx, i32 %n) {
entry:
  %local = alloca i32
  store i32 0, ptr %local
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i1, %loop ]
  %base = load ptr, ptr %ctx, !invariant.load !0
  %v = load i32, ptr %base, align 1
  %acc = load i32, ptr %local
  %acc1 = add i32 %acc, %v
  store i32 %acc1, ptr %local
  %i1 = add i32 %i, 1
  %done = icmp eq i32 %i1, %n
  br i1 %done, label %exit, label %loop
exit:
  %r = load i32, ptr %local
  ret i32 %r
}
!0 = !{}
)";

struct Shape {
  int allocas = 0;
  int loads_in_loops = 0;
  int loads = 0;
};

Shape optimized_shape(int level) {
  HostIr h = parse_host_ir(kLoop);
  if (!h.mod) return {};
  optimize(*h.mod, h.tm.get(), level);
  llvm::Function& f = *h.mod->getFunction("ws_f0");
  llvm::DominatorTree dt(f);
  llvm::LoopInfo loops(dt);
  Shape s;
  for (llvm::BasicBlock& bb : f) {
    for (llvm::Instruction& i : bb) {
      if (llvm::isa<llvm::AllocaInst>(i)) ++s.allocas;
      if (!llvm::isa<llvm::LoadInst>(i)) continue;
      ++s.loads;
      if (loops.getLoopFor(&bb) != nullptr) ++s.loads_in_loops;
    }
  }
  return s;
}

TEST(Optimize, LevelZeroLeavesTheIrAlone) {
  Shape s = optimized_shape(0);
  EXPECT_EQ(s.allocas, 1);
  EXPECT_EQ(s.loads_in_loops, 3);
}

TEST(Optimize, LevelOnePromotesLocals) {
  Shape s = optimized_shape(1);
  EXPECT_EQ(s.allocas, 0);
  EXPECT_EQ(s.loads_in_loops, 2);  // no loop passes at level 1
}

TEST(Optimize, LevelTwoHoistsInvariantLoadsOutOfLoops) {
  Shape s = optimized_shape(2);
  EXPECT_EQ(s.allocas, 0);
  EXPECT_EQ(s.loads_in_loops, 0);
  EXPECT_EQ(s.loads, 2);  // the base and the value, once each
}

// X86 domain reassignment is switched off before any compile (compile.cpp says why), unless
// $WASMSHIM_LLVM_OPTIONS named it.
TEST(ConfigureLlvm, SwitchesDomainReassignmentOff) {
  if (std::getenv("WASMSHIM_LLVM_OPTIONS") != nullptr) GTEST_SKIP() << "WASMSHIM_LLVM_OPTIONS set";
  configure_llvm();
  configure_llvm();  // once per process: a second call adds nothing
  llvm::StringMap<llvm::cl::Option*>& options = llvm::cl::getRegisteredOptions();
  auto it = options.find(kDomainReassignmentOption);
  ASSERT_NE(it, options.end()) << "LLVM has no option " << kDomainReassignmentOption;
  EXPECT_EQ(it->second->getNumOccurrences(), 1);
  // LLVM 19 declares it a cl::opt<bool>.
  EXPECT_TRUE(static_cast<llvm::cl::opt<bool>*>(it->second)->getValue());
}

}  // namespace
}  // namespace ws::engine::codegen
