// Structured control flow: blocks, loops, if/else, branches, br_table, return, unreachable.
#include <llvm/IR/InlineAsm.h>

#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {

void FunctionEmitter::block_types(const BlockType& bt, std::vector<ValType>& params,
                                  std::vector<ValType>& results) const {
  if (bt.kind == BlockType::kValue) {
    results.push_back(bt.value);
  } else if (bt.kind == BlockType::kIndex) {
    const FuncType& ft = env_.m.types[bt.index];
    params.assign(ft.params(), ft.params() + ft.num_params);
    results.assign(ft.results(), ft.results() + ft.num_results());
  }
}

void FunctionEmitter::push_frame(Opcode kind, const BlockType& bt) {
  Frame f;
  f.kind = kind;
  block_types(bt, f.params, f.results);
  f.cont = llvm::BasicBlock::Create(env_.ctx, "cont", fn_);
  {
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    b_.SetInsertPoint(f.cont);
    for (ValType t : f.results) f.result_phis.push_back(b_.CreatePHI(env_.type(t), 2));
  }
  std::vector<llvm::Value*> args = pop_n(f.params.size());
  f.height = stack_.size();
  if (kind == Opcode::kLoop) {
    f.header = llvm::BasicBlock::Create(env_.ctx, "loop", fn_);
    llvm::BasicBlock* from = b_.GetInsertBlock();
    b_.CreateBr(f.header);
    b_.SetInsertPoint(f.header);
    for (size_t i = 0; i < f.params.size(); ++i) {
      llvm::PHINode* phi = b_.CreatePHI(env_.type(f.params[i]), 2);
      phi->addIncoming(args[i], from);
      f.param_phis.push_back(phi);
      args[i] = phi;
    }
    frames_.push_back(std::move(f));
    check_interrupt();
  } else {
    frames_.push_back(std::move(f));
  }
  for (llvm::Value* v : args) push(v);
}

// Adds the top phis.size() stack values to `phis` (incoming from the current block) and jumps.
void FunctionEmitter::jump_with_values(const std::vector<llvm::PHINode*>& phis,
                                       llvm::BasicBlock* to) {
  llvm::BasicBlock* from = b_.GetInsertBlock();
  size_t n = phis.size();
  for (size_t i = 0; i < n; ++i) phis[i]->addIncoming(stack_[stack_.size() - n + i], from);
  b_.CreateBr(to);
}

// A branch to a label: a loop's header with its params, any other frame's continuation with
// its results.
void FunctionEmitter::branch_to(Frame& target) {
  if (target.kind == Opcode::kLoop) {
    jump_with_values(target.param_phis, target.header);
  } else {
    fall_through(target);
  }
}

void FunctionEmitter::set_unreachable() {
  Frame& f = frames_.back();
  stack_.resize(f.height);
  f.unreachable = true;
  f.skip_depth = 0;
  // The current block ends in a terminator; nothing is emitted until this frame's else/end.
}

void FunctionEmitter::start_else() {
  Frame& f = frames_.back();
  if (!f.unreachable) fall_through(f);
  stack_.resize(f.height);
  b_.SetInsertPoint(f.else_block);
  f.else_block = nullptr;
  f.kind = Opcode::kElse;
  f.unreachable = false;
  for (llvm::Value* v : f.else_args) push(v);
}

// Falling off the end of a frame continues after it (for a loop too: `end` is not a branch).
void FunctionEmitter::fall_through(Frame& f) { jump_with_values(f.result_phis, f.cont); }

void FunctionEmitter::end_frame() {
  Frame& f = frames_.back();
  if (!f.unreachable) fall_through(f);
  if (f.else_block) {  // `if` without `else`: the params flow through unchanged
    b_.SetInsertPoint(f.else_block);
    for (size_t i = 0; i < f.result_phis.size(); ++i) {
      f.result_phis[i]->addIncoming(f.else_args[i], f.else_block);
    }
    b_.CreateBr(f.cont);
  }
  stack_.resize(f.height);
  llvm::BasicBlock* cont = f.cont;
  std::vector<llvm::PHINode*> phis = std::move(f.result_phis);
  bool is_body = frames_.size() == 1;
  frames_.pop_back();
  b_.SetInsertPoint(cont);
  if (llvm::pred_empty(cont)) {
    for (llvm::PHINode* phi : phis) phi->eraseFromParent();
    b_.CreateUnreachable();
    if (!is_body) set_unreachable();
    return;
  }
  if (is_body) {
    if (phis.empty()) {
      b_.CreateRetVoid();
    } else if (phis.size() == 1) {
      b_.CreateRet(phis[0]);
    } else {
      llvm::Value* ret = llvm::UndefValue::get(fn_->getReturnType());
      for (size_t i = 0; i < phis.size(); ++i) ret = b_.CreateInsertValue(ret, phis[i], i);
      b_.CreateRet(ret);
    }
    return;
  }
  for (llvm::PHINode* phi : phis) push(phi);
}

void FunctionEmitter::br_table(const Instr& in) {
  llvm::Value* index = pop();
  targets_.clear();
  br_table_targets(env_.m, in, targets_);
  llvm::BasicBlock* from = b_.GetInsertBlock();
  // One edge block per distinct label, so each target's phis see one predecessor per edge.
  std::vector<llvm::BasicBlock*> edge(frames_.size(), nullptr);
  auto edge_for = [&](uint32_t label) {
    if (!edge[label]) {
      edge[label] = llvm::BasicBlock::Create(env_.ctx, "br_table", fn_);
      b_.SetInsertPoint(edge[label]);
      branch_to(frames_[frames_.size() - 1 - label]);
    }
    return edge[label];
  };
  llvm::BasicBlock* def = edge_for(targets_.back());
  std::vector<llvm::BasicBlock*> cases;
  for (size_t i = 0; i + 1 < targets_.size(); ++i) cases.push_back(edge_for(targets_[i]));
  b_.SetInsertPoint(from);
  llvm::SwitchInst* sw = b_.CreateSwitch(index, def, static_cast<unsigned>(cases.size()));
  for (size_t i = 0; i < cases.size(); ++i)
    sw->addCase(b_.getInt32(static_cast<uint32_t>(i)), cases[i]);
  set_unreachable();
}

void FunctionEmitter::keep_alive(llvm::Value* v) {
  llvm::Type* t = v->getType();
  const char* constraint = t->isFloatingPointTy() || t->isVectorTy() ? "x" : "r";
  auto* asm_fn = llvm::InlineAsm::get(llvm::FunctionType::get(env_.void_ty, {t}, false), "",
                                      constraint, /*hasSideEffects=*/true);
  b_.CreateCall(asm_fn, {v});
}

void FunctionEmitter::emit_return() {
  branch_to(frames_.front());
  set_unreachable();
}

absl::Status FunctionEmitter::control(const Instr& in) {
  switch (in.op) {
    case Opcode::kNop:
      break;
    case Opcode::kUnreachable:
      trap(TrapCode::kUnreachable);
      set_unreachable();
      break;
    case Opcode::kBlock:
    case Opcode::kLoop:
      push_frame(in.op, in.block);
      break;
    case Opcode::kIf: {
      llvm::Value* cond = b_.CreateICmpNE(pop(), b_.getInt32(0));
      push_frame(Opcode::kIf, in.block);
      Frame& f = frames_.back();
      f.else_args.assign(stack_.begin() + static_cast<ptrdiff_t>(f.height), stack_.end());
      llvm::BasicBlock* then = llvm::BasicBlock::Create(env_.ctx, "then", fn_);
      f.else_block = llvm::BasicBlock::Create(env_.ctx, "else", fn_);
      b_.CreateCondBr(cond, then, f.else_block);
      b_.SetInsertPoint(then);
      break;
    }
    case Opcode::kElse:
      start_else();
      break;
    case Opcode::kEnd:
      end_frame();
      break;
    case Opcode::kBr:
      branch_to(frames_[frames_.size() - 1 - in.a]);
      set_unreachable();
      break;
    case Opcode::kBrIf: {
      llvm::Value* cond = b_.CreateICmpNE(pop(), b_.getInt32(0));
      llvm::BasicBlock* taken = llvm::BasicBlock::Create(env_.ctx, "br_if", fn_);
      llvm::BasicBlock* next = llvm::BasicBlock::Create(env_.ctx, "br_if.else", fn_);
      b_.CreateCondBr(cond, taken, next);
      b_.SetInsertPoint(taken);
      branch_to(frames_[frames_.size() - 1 - in.a]);
      b_.SetInsertPoint(next);
      break;
    }
    case Opcode::kBrTable:
      br_table(in);
      break;
    case Opcode::kReturn:
      emit_return();
      break;
    case Opcode::kDrop: {
      // A dropped load must still happen: an out-of-bounds access traps through the guard
      // pages. An empty asm that "uses" the value keeps LLVM from deleting it.
      llvm::Value* v = pop();
      if (llvm::isa<llvm::Instruction>(v)) keep_alive(v);
      break;
    }
    case Opcode::kSelect:
    case Opcode::kSelectT: {
      llvm::Value* cond = b_.CreateICmpNE(pop(), b_.getInt32(0));
      llvm::Value* second = pop();
      llvm::Value* first = pop();
      push(b_.CreateSelect(cond, first, second));
      break;
    }
    default:
      return absl::UnimplementedError(std::string("codegen: ") + to_string(in.op));
  }
  return absl::OkStatus();
}

}  // namespace ws::engine::codegen
