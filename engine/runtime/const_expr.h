// Evaluation of constant expressions: global initialisers, segment offsets and elements.
#pragma once

#include <span>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/abi/vmctx.h"

namespace ws::engine::runtime {

// What a constant expression may read: the globals initialised so far and every function.
struct ConstEnv {
  std::span<abi::VMGlobal* const> globals;
  std::span<abi::VMFuncRef* const> funcs;
};

// Evaluates `expr` of a validated module: t.const, ref.null, ref.func, global.get and the
// extended-const i32/i64 add, sub and mul. Errors (INTERNAL) only for unvalidated input.
absl::StatusOr<abi::RawValue> eval_const_expr(const Module& m, ConstExpr expr, const ConstEnv& env);

}  // namespace ws::engine::runtime
