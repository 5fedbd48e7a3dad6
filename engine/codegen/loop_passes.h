// IR passes for the loops of emitted Wasm: counted and calling loops without interrupt checks,
// and linear memory accesses versioned so that LLVM's loop vectoriser sees consecutive addresses.
#pragma once

#include <llvm/IR/PassManager.h>

namespace ws::engine::codegen {

// Removes the interrupt check (volatile flag load, branch to ws_rt_interrupted) from innermost
// loops that call nothing and whose backedge count SCEV bounds by 2^32 - 1: such a loop ends
// after at most 2^32 iterations, and the check of its enclosing loop or of the next function
// entry observes the flag. A loop (at any depth) that calls a defined Wasm function on every
// iteration loses its own check too: the callee's prologue stack check observes an interrupt
// (which sets the stack limit to the maximum). Every other loop keeps its check.
class CountedLoopChecksPass : public llvm::PassInfoMixin<CountedLoopChecksPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

// Scan loops: innermost loops that call nothing and keep their check (no bound on their trip
// count, e.g. while (a[i] < pivot) ++i) but access linear memory on every iteration at
// zext(i32 recurrence) + offset with a constant step of at most 2^16 bytes. Within 2^32
// iterations that i32 address takes a value in [2^32 - |step|, 2^32), where the access traps
// (guard page or explicit check) when the memory has at most 2^32 - 2^16 bytes, so the loop
// ends or traps within 2^32 iterations like a counted loop. Such a loop is versioned on the
// memory's size, read in the preheader of the outermost call-free loop around it (nothing in
// there can grow the memory): the copy for small memories has no check, the other keeps it.
class ScanLoopChecksPass : public llvm::PassInfoMixin<ScanLoopChecksPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

// One interrupt check per loop iteration is enough: when a check in a loop's own blocks (not
// its subloops') dominates every latch, the loop's other own checks go. Loop rotation leaves
// such duplicates: the header's check copied into the guard before an inner loop, which then
// runs in every iteration of the enclosing loop besides the enclosing loop's own check.
class RedundantLoopChecksPass : public llvm::PassInfoMixin<RedundantLoopChecksPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

// Versions innermost single-exit loops without calls whose every linear-memory access is at
// zext(i32 affine address) + constant: a test in the preheader proves that no access address
// wraps at 2^32 and that every access is inside the memory's current size; then the original
// loop runs with its addresses rewritten as non-wrapping 64-bit recurrences (what the loop
// vectoriser needs), else a copy with the original addresses and vectorisation disabled, so a
// wrapping address or a trap behaves exactly as the scalar code (and the spec) says.
class MemoryVersioningPass : public llvm::PassInfoMixin<MemoryVersioningPass> {
 public:
  llvm::PreservedAnalyses run(llvm::Function& f, llvm::FunctionAnalysisManager& fam);
};

}  // namespace ws::engine::codegen
