// The loop passes on emitted Wasm (wat -> emitter -> optimize): which loops keep their interrupt
// check, and which loops over linear memory the vectoriser turns into vector code.
#include "engine/codegen/loop_passes.h"

#include <gtest/gtest.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Instructions.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <cstdlib>
#include <map>

#include "engine/codegen/emitter.h"
#include "engine/codegen/ir_test_util.h"
#include "test/fixtures/scale_loop_wat.h"
#include "test/fixtures/wat.h"

namespace ws::engine::codegen {
namespace {

struct LoopShape {
  int loops = 0;
  int innermost_with_check = 0, innermost_without_check = 0;
  int outer_with_check = 0, outer_without_check = 0;
  int vector_ops = 0;      // instructions producing a vector value
  int own_checks = 0;      // flag loads, counted in the innermost loop that holds them
  int max_own_checks = 0;  // the most flag loads one loop holds in its own blocks
};

bool has_check(const llvm::Loop& loop) {
  for (llvm::BasicBlock* bb : loop.blocks()) {
    for (llvm::Instruction& i : *bb) {
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&i);
      if (load && load->isVolatile()) return true;
    }
  }
  return false;
}

// Compiles the one function of `wat` at `level` and describes its loops.
LoopShape shape(const std::string& wat, int level = 2) {
  EmittedIr ir = emit_wat(wat, level);
  if (!ir.fn) return {};
  llvm::Function* f = ir.fn;
  if (std::getenv("WS_DUMP_IR")) f->print(llvm::errs());
  llvm::DominatorTree dt(*f);
  llvm::LoopInfo li(dt);
  LoopShape out;
  for (llvm::Loop* loop : li.getLoopsInPreorder()) {
    ++out.loops;
    bool check = has_check(*loop);
    if (loop->isInnermost()) {
      ++(check ? out.innermost_with_check : out.innermost_without_check);
    } else {
      ++(check ? out.outer_with_check : out.outer_without_check);
    }
  }
  std::map<llvm::Loop*, int> own;
  for (llvm::BasicBlock& bb : *f) {
    for (llvm::Instruction& i : bb) {
      out.vector_ops += i.getType()->isVectorTy() ? 1 : 0;
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&i);
      if (load && load->isVolatile() && li.getLoopFor(&bb)) ++own[li.getLoopFor(&bb)];
    }
  }
  for (auto& [loop, n] : own) {
    out.own_checks += n;
    out.max_own_checks = std::max(out.max_own_checks, n);
  }
  return out;
}

// The last function is the one compiled; any others are callees.
constexpr char kCountedNest[] = R"((module
  (func (export "nest") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i32.xor (i32.mul (local.get $s) (i32.const 31)) (local.get $j)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_s (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_s (local.get $i) (local.get $n))))
    (local.get $s)))
)";

TEST(CountedLoops, InnerCountedLoopLosesItsCheckOuterKeepsIt) {
  LoopShape s = shape(kCountedNest);
  EXPECT_EQ(s.loops, 2);
  EXPECT_EQ(s.innermost_without_check, 1);
  EXPECT_EQ(s.innermost_with_check, 0);
  EXPECT_EQ(s.outer_with_check, 1);
  EXPECT_EQ(s.outer_without_check, 0);
}

TEST(CountedLoops, LevelOneKeepsEveryCheck) {
  LoopShape s = shape(kCountedNest, 1);
  EXPECT_EQ(s.loops, 2);
  EXPECT_EQ(s.innermost_with_check + s.outer_with_check, 2);
}

TEST(CountedLoops, LevelThreeDropsTheInnerCheckToo) {
  LoopShape s = shape(kCountedNest, 3);
  EXPECT_GE(s.loops, 2);
  EXPECT_EQ(s.innermost_with_check, 0);
  EXPECT_GE(s.outer_with_check, 1);
  EXPECT_EQ(s.outer_without_check, 0);
}

TEST(CountedLoops, LoopOfMoreThan2To32IterationsKeepsItsCheck) {
  // An i64 counter against an i64 bound: up to 2^64 iterations.
  LoopShape s = shape(R"((module
    (func (export "wide") (param $n i64) (result i64) (local $j i64) (local $s i64)
      (loop $l
        (local.set $s (i64.xor (i64.mul (local.get $s) (i64.const 31)) (local.get $j)))
        (local.set $j (i64.add (local.get $j) (i64.const 1)))
        (br_if $l (i64.lt_u (local.get $j) (local.get $n))))
      (local.get $s))))");
  EXPECT_EQ(s.loops, 1);
  EXPECT_EQ(s.innermost_with_check, 1);
}

TEST(CountedLoops, InfiniteLoopKeepsItsCheck) {
  LoopShape s = shape(R"((module (func (export "spin") (loop (br 0)))))");
  EXPECT_EQ(s.loops, 1);
  EXPECT_EQ(s.innermost_with_check, 1);
}

TEST(CountedLoops, LoopWithoutComputableTripCountKeepsItsCheck) {
  // A linked-list walk, and a counter that steps by 2 towards a bound it may jump over.
  LoopShape walk = shape(R"((module (memory 1)
    (func (export "walk") (param $p i32) (result i32)
      (loop $next (br_if $next (local.tee $p (i32.load (local.get $p)))))
      (local.get $p))))");
  EXPECT_EQ(walk.loops, 1);
  EXPECT_EQ(walk.innermost_with_check, 1);
  LoopShape skip = shape(R"((module
    (func (export "skip") (param $i i32) (param $n i32) (result i32)
      (loop $next
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br_if $next (i32.ne (local.get $i) (local.get $n))))
      (local.get $i))))");
  EXPECT_EQ(skip.loops, 1);
  EXPECT_EQ(skip.innermost_with_check, 1);
}

TEST(CountedLoops, LoopWithAConditionalCallKeepsItsCheck) {
  // Iterations with an odd $j call nothing: no function entry checks the flag for them.
  LoopShape s = shape(R"((module
    (func $g (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "calls") (param $n i32) (result i32) (local $j i32) (local $s i32)
      (loop $l
        (if (i32.eqz (i32.and (local.get $j) (i32.const 1)))
          (then (local.set $s (i32.add (local.get $s) (call $g (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l (i32.ne (local.get $j) (local.get $n))))
      (local.get $s))))");
  EXPECT_EQ(s.loops, 1);
  EXPECT_EQ(s.innermost_with_check, 1);
}

TEST(CountedLoops, LoopCallingAnImportKeepsItsCheck) {
  // A host function has no prologue check.
  LoopShape s = shape(R"((module
    (import "env" "g" (func $g (param i32) (result i32)))
    (func (export "calls") (param $n i32) (result i32) (local $j i32) (local $s i32)
      (loop $l
        (local.set $s (i32.add (local.get $s) (call $g (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $l (i32.ne (local.get $j) (local.get $n))))
      (local.get $s))))");
  EXPECT_EQ(s.loops, 1);
  EXPECT_EQ(s.innermost_with_check, 1);
}

TEST(CountedLoops, LoopCallingAWasmFunctionEveryIterationLeavesTheCheckToItsEntry) {
  // fib's shape: the loop's own check is redundant with the stack check at $fib's entry, which
  // an interrupt trips too. In a nest, the outer loop runs the inner one, hence a call, on every
  // iteration as well.
  LoopShape s = shape(R"((module
    (func $fib (export "fib") (param $n i32) (result i64) (local $s i64)
      (if (i32.lt_s (local.get $n) (i32.const 2))
        (then (return (i64.extend_i32_s (local.get $n)))))
      (loop $l
        (local.set $s (i64.add (local.get $s)
                               (call $fib (i32.sub (local.get $n) (i32.const 1)))))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))
        (br_if $l (i32.ge_s (local.get $n) (i32.const 2))))
      (i64.add (local.get $s) (i64.extend_i32_s (local.get $n))))))");
  EXPECT_EQ(s.loops, 1);
  EXPECT_EQ(s.innermost_without_check, 1);
  EXPECT_EQ(s.innermost_with_check, 0);
  LoopShape nest = shape(R"((module
    (func $g (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
    (func (export "nest") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
      (loop $outer
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $s (call $g (local.get $s)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_s (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_s (local.get $i) (local.get $n))))
      (local.get $s))))");
  EXPECT_EQ(nest.loops, 2);
  EXPECT_EQ(nest.innermost_without_check, 1);
  EXPECT_EQ(nest.outer_without_check, 1);
}

// sort's partition scan: no trip count, but an i32 address that steps 4 bytes per iteration.
constexpr char kScan[] = R"((module (memory 1)
  (func (export "scan") (param $p i32) (param $v i32) (result i32)
    (loop $next
      (br_if $next (i32.lt_s (i32.load (local.tee $p (i32.add (local.get $p) (i32.const 4))))
                             (local.get $v))))
    (local.get $p))))";

TEST(ScanLoops, ScanOverLinearMemoryLosesItsCheckForMemoriesBelow4GiB) {
  // The copy run for a memory of at most 2^32 - 2^16 bytes has no check; the other keeps it.
  LoopShape s = shape(kScan);
  EXPECT_EQ(s.loops, 2);
  EXPECT_EQ(s.innermost_without_check, 1);
  EXPECT_EQ(s.innermost_with_check, 1);
}

TEST(ScanLoops, LevelOneKeepsTheCheck) {
  LoopShape s = shape(kScan, 1);
  EXPECT_EQ(s.loops, 1);
  EXPECT_EQ(s.innermost_with_check, 1);
}

TEST(ScanLoops, ScanWithoutASteppingAccessOnEveryIterationKeepsItsCheck) {
  // The load happens on odd iterations only; and a step of 2^17 bytes can jump over the
  // last 2^16 bytes of the address space.
  LoopShape sometimes = shape(R"((module (memory 1)
    (func (export "scan") (param $p i32) (param $v i32) (result i32)
      (loop $next
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $next (i32.eqz (i32.and (local.get $p) (i32.const 4))))
        (br_if $next (i32.lt_s (i32.load (local.get $p)) (local.get $v))))
      (local.get $p))))");
  EXPECT_EQ(sometimes.innermost_without_check, 0);
  LoopShape wide = shape(R"((module (memory 1)
    (func (export "scan") (param $p i32) (param $v i32) (result i32)
      (loop $next
        (br_if $next (i32.lt_s (i32.load (local.tee $p (i32.add (local.get $p)
                                                                (i32.const 131072))))
                               (local.get $v))))
      (local.get $p))))");
  EXPECT_EQ(wide.loops, 1);
  EXPECT_EQ(wide.innermost_with_check, 1);
}

TEST(RedundantChecks, OneCheckPerIterationOfEachLoop) {
  // sort's partition: an outer loop around a while-shaped scan. Rotating the scan copies its
  // header, check included, into a guard in the outer loop, next to the outer loop's own check.
  LoopShape s = shape(R"((module (memory 1)
    (func (export "part") (param $i i32) (param $j i32) (param $v i32) (result i32)
      (loop $outer
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (block $done
          (loop $scan
            (br_if $done (i32.le_s (i32.load (local.get $j)) (local.get $v)))
            (local.set $j (i32.sub (local.get $j) (i32.const 4)))
            (br $scan)))
        (br_if $outer (i32.lt_u (local.get $i) (local.get $j))))
      (local.get $i))))");
  EXPECT_GE(s.loops, 2);
  EXPECT_EQ(s.outer_with_check, 1);
  EXPECT_EQ(s.max_own_checks, 1);
}

// The scale loop (test/fixtures/scale_loop_wat.h): versioned, and the fast copy vectorised; a
// slow copy keeps the scalar accesses.
const std::string kAxpy = std::string("(module (memory 1)") + ws::testing::kScaleLoopFunc + ")";

TEST(MemoryVersioning, LoopOverLinearMemoryIsVectorisedBehindATest) {
  LoopShape s = shape(kAxpy);
  EXPECT_GT(s.vector_ops, 0);
  EXPECT_EQ(s.innermost_with_check, 0);
  // The vector loop, its scalar remainder and the unvectorised copy.
  EXPECT_EQ(s.loops, 3);
}

TEST(MemoryVersioning, LevelOneDoesNotVectorise) {
  LoopShape s = shape(kAxpy, 1);
  EXPECT_EQ(s.vector_ops, 0);
  EXPECT_EQ(s.loops, 1);
}

}  // namespace
}  // namespace ws::engine::codegen
