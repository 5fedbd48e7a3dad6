// Float arithmetic with one constant operand (wat -> emitter -> optimize): the NaN-quieting
// select appears only where LLVM could fold the operation away (constants +-0 and +-1).
#include <gtest/gtest.h>
#include <llvm/IR/Instructions.h>

#include <string>

#include "engine/codegen/ir_test_util.h"

namespace ws::engine::codegen {
namespace {

struct FloatShape {
  int selects = 0;
  int unordered_compares = 0;
  int arith = 0;  // fadd, fsub, fmul, fdiv
};

// `body` computes the result of (func (param $x T) (result T)).
FloatShape float_shape(const std::string& type, const std::string& body) {
  EmittedIr ir = emit_wat(
      "(module (func (export \"f\") (param $x " + type + ") (result " + type + ") " + body + "))",
      2);
  FloatShape s;
  if (!ir.fn) return s;
  for (llvm::BasicBlock& bb : *ir.fn) {
    for (llvm::Instruction& i : bb) {
      if (llvm::isa<llvm::SelectInst>(i)) ++s.selects;
      if (auto* cmp = llvm::dyn_cast<llvm::FCmpInst>(&i);
          cmp && cmp->getPredicate() == llvm::FCmpInst::FCMP_UNO) {
        ++s.unordered_compares;
      }
      if (llvm::isa<llvm::BinaryOperator>(i) && i.getType()->isFloatingPointTy()) ++s.arith;
    }
  }
  return s;
}

TEST(QuietNan, OrdinaryConstantOperandNeedsNoSelect) {
  for (const char* body :
       {"(f64.mul (local.get $x) (f64.const 0.01))", "(f64.div (f64.const 0.01) (local.get $x))",
        "(f64.add (local.get $x) (f64.const 2.5))", "(f64.sub (f64.const 3) (local.get $x))"}) {
    FloatShape s = float_shape("f64", body);
    EXPECT_EQ(s.selects, 0) << body;
    EXPECT_EQ(s.unordered_compares, 0) << body;
    EXPECT_EQ(s.arith, 1) << body;
  }
  FloatShape f = float_shape("f32", "(f32.mul (local.get $x) (f32.const 0.5))");
  EXPECT_EQ(f.selects, 0);
  EXPECT_EQ(f.arith, 1);
}

TEST(QuietNan, IdentityConstantsKeepTheQuietingPath) {
  // LLVM folds each of these to x or -x; the select sends a NaN x through x + x instead.
  for (const char* body :
       {"(f64.mul (local.get $x) (f64.const 1))", "(f64.mul (local.get $x) (f64.const -1))",
        "(f64.div (local.get $x) (f64.const 1))", "(f64.sub (local.get $x) (f64.const 0))",
        "(f64.add (local.get $x) (f64.const -0))", "(f64.sub (f64.const -0) (local.get $x))"}) {
    FloatShape s = float_shape("f64", body);
    EXPECT_EQ(s.unordered_compares, 1) << body;
    EXPECT_EQ(s.selects, 1) << body;
  }
  FloatShape f = float_shape("f32", "(f32.mul (local.get $x) (f32.const 1))");
  EXPECT_EQ(f.unordered_compares, 1);
}

}  // namespace
}  // namespace ws::engine::codegen
