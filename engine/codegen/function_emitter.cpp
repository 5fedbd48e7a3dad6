// Function emission: prologue, locals, the instruction loop, and runtime-context access.
#include <llvm/IR/MDBuilder.h>

#include "absl/strings/str_cat.h"
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {

FunctionEmitter::FunctionEmitter(ModuleEnv& env, uint32_t func_index)
    : env_(env),
      b_(env.ctx),
      func_index_(func_index),
      type_(env.m.func_type(func_index)),
      fn_(env.function(func_index)),
      vmctx_(fn_->getArg(0)) {}

absl::Status FunctionEmitter::emit() {
  const Code& code = env_.m.codes[func_index_ - env_.m.num_imported_funcs];
  entry_ = llvm::BasicBlock::Create(env_.ctx, "entry", fn_);
  b_.SetInsertPoint(entry_);
  for (uint32_t i = 0; i < type_.num_params; ++i) local_types_.push_back(type_.param(i));
  for (const LocalDecl& d : code.locals) local_types_.insert(local_types_.end(), d.count, d.type);
  for (size_t i = 0; i < local_types_.size(); ++i) {
    llvm::Type* t = env_.type(local_types_[i]);
    llvm::AllocaInst* a = b_.CreateAlloca(t);
    llvm::Value* init = i < type_.num_params ? static_cast<llvm::Value*>(fn_->getArg(i + 1))
                                             : llvm::Constant::getNullValue(t);
    b_.CreateStore(init, a);
    locals_.push_back(a);
  }
  store_ = load_field(vmctx_, abi::kContextStoreOffset, env_.ptr, true, "store");
  check_stack();  // also where an interrupt stops code without loops

  Frame body;
  body.kind = Opcode::kNop;
  body.results.assign(type_.results(), type_.results() + type_.num_results());
  body.cont = llvm::BasicBlock::Create(env_.ctx, "return", fn_);
  {
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    b_.SetInsertPoint(body.cont);
    for (ValType t : body.results) body.result_phis.push_back(b_.CreatePHI(env_.type(t), 2));
  }
  frames_.push_back(std::move(body));

  InstrReader reader(env_.m, code.body, env_.ictx);
  Instr in;
  while (!frames_.empty()) {
    if (!reader.next(in)) return absl::InternalError("codegen: cannot re-read a validated body");
    Frame& top = frames_.back();
    if (top.unreachable) {
      // Dead code: only the structure matters until this frame's else/end.
      if (in.op == Opcode::kBlock || in.op == Opcode::kLoop || in.op == Opcode::kIf) {
        ++top.skip_depth;
        continue;
      }
      if (in.op == Opcode::kEnd && top.skip_depth > 0) {
        --top.skip_depth;
        continue;
      }
      if (in.op != Opcode::kEnd && !(in.op == Opcode::kElse && top.skip_depth == 0)) continue;
    }
    absl::Status s = instr(in);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status FunctionEmitter::instr(const Instr& in) {
  const OpcodeInfo& oi = info(in.op);
  if (oi.prefix == 0xFD) return simd(in);
  switch (oi.imm) {
    case Imm::kMemArg:
    case Imm::kMemory:
      return in.op == Opcode::kMemoryFill ? bulk(in) : memory(in);
    case Imm::kDataMemory:
    case Imm::kData:
    case Imm::kTwoMemories:
      return bulk(in);
    case Imm::kLocal:
    case Imm::kGlobal:
      return variable(in);
    case Imm::kFunc:
    case Imm::kCallIndirect:
      return in.op == Opcode::kRefFunc ? reference(in) : call(in);
    case Imm::kTable:
    case Imm::kTwoTables:
    case Imm::kElemTable:
    case Imm::kElem:
      return table(in);
    case Imm::kRefType:
      return reference(in);
    case Imm::kI32:
      push(b_.getInt32(static_cast<uint32_t>(in.i32)));
      return absl::OkStatus();
    case Imm::kI64:
      push(b_.getInt64(static_cast<uint64_t>(in.i64)));
      return absl::OkStatus();
    case Imm::kF32:
      push(llvm::ConstantFP::get(
          env_.ctx, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, in.f32))));
      return absl::OkStatus();
    case Imm::kF64:
      push(llvm::ConstantFP::get(
          env_.ctx, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, in.f64))));
      return absl::OkStatus();
    default:
      break;
  }
  if (in.op == Opcode::kNop) return absl::OkStatus();
  if (in.op == Opcode::kRefIsNull) return reference(in);
  if (oi.sig == Sig::kSpecial) return control(in);
  return numeric(in);
}

std::vector<llvm::Value*> FunctionEmitter::pop_n(size_t n) {
  std::vector<llvm::Value*> out(stack_.end() - static_cast<ptrdiff_t>(n), stack_.end());
  stack_.resize(stack_.size() - n);
  return out;
}

llvm::Value* FunctionEmitter::load_field(llvm::Value* base, uint32_t offset, llvm::Type* t,
                                         bool invariant, const char* name) {
  llvm::Value* p = offset ? b_.CreateConstInBoundsGEP1_64(env_.i8, base, offset) : base;
  llvm::LoadInst* load = b_.CreateLoad(t, p, name);
  if (invariant) {
    load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(env_.ctx, {}));
  }
  return load;
}

llvm::Value* FunctionEmitter::memory_record(uint32_t index) {
  llvm::Value* arr = load_field(vmctx_, abi::kContextMemoriesOffset, env_.ptr, true, "mems");
  return load_field(arr, 8 * index, env_.ptr, true, "mem");
}

// A memory's base never moves (memories are reserved up front and grow in place), so it is
// loaded once in the entry block, where it dominates every use and loops need not reload it.
llvm::Value* FunctionEmitter::memory_base(uint32_t index) {
  if (index >= memory_bases_.size()) memory_bases_.resize(index + 1);
  if (!memory_bases_[index]) {
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    b_.SetInsertPoint(entry_->getTerminator());
    memory_bases_[index] =
        load_field(memory_record(index), abi::kMemoryBaseOffset, env_.ptr, true, "membase");
  }
  return memory_bases_[index];
}

llvm::Value* FunctionEmitter::table_record(uint32_t index) {
  llvm::Value* arr = load_field(vmctx_, abi::kContextTablesOffset, env_.ptr, true, "tables");
  return load_field(arr, 8 * index, env_.ptr, true, "table");
}

llvm::Value* FunctionEmitter::func_record(uint32_t index) {
  llvm::Value* arr = load_field(vmctx_, abi::kContextFuncsOffset, env_.ptr, true, "funcs");
  return load_field(arr, 8 * index, env_.ptr, true, "funcref");
}

llvm::Value* FunctionEmitter::global_cell(uint32_t index) {
  llvm::Value* arr = load_field(vmctx_, abi::kContextGlobalsOffset, env_.ptr, true, "globals");
  return load_field(arr, 8 * index, env_.ptr, true, "global");
}

llvm::Value* FunctionEmitter::call_intrinsic(IntrinsicId id, std::vector<llvm::Value*> args) {
  args.insert(args.begin(), vmctx_);
  return b_.CreateCall(env_.intrinsics[static_cast<size_t>(id)], args);
}

void FunctionEmitter::trap(TrapCode code) {
  call_intrinsic(IntrinsicId::kTrap, {b_.getInt32(static_cast<uint32_t>(code))});
  b_.CreateUnreachable();
}

void FunctionEmitter::trap_if(llvm::Value* cond, TrapCode code) {
  llvm::BasicBlock*& block = trap_blocks_[static_cast<size_t>(code)];
  if (!block) {
    llvm::IRBuilder<>::InsertPointGuard guard(b_);
    block = llvm::BasicBlock::Create(env_.ctx, trap_message(code), fn_);
    b_.SetInsertPoint(block);
    trap(code);
  }
  llvm::BasicBlock* next = llvm::BasicBlock::Create(env_.ctx, "ok", fn_);
  llvm::MDBuilder md(env_.ctx);
  b_.CreateCondBr(cond, block, next, md.createBranchWeights(1, 1 << 20));
  b_.SetInsertPoint(next);
}

void FunctionEmitter::check_stack() {
  llvm::Value* frame =
      b_.CreateIntrinsic(llvm::Intrinsic::frameaddress, {env_.ptr}, {b_.getInt32(0)});
  llvm::Value* limit =
      load_field(store_, abi::kStoreStackLimitOffset, env_.i64, false, "stack_limit");
  llvm::BasicBlock* slow = llvm::BasicBlock::Create(env_.ctx, "stack_check", fn_);
  llvm::BasicBlock* next = llvm::BasicBlock::Create(env_.ctx, "body", fn_);
  llvm::MDBuilder md(env_.ctx);
  b_.CreateCondBr(b_.CreateICmpULT(b_.CreatePtrToInt(frame, env_.i64), limit), slow, next,
                  md.createBranchWeights(1, 1 << 20));
  b_.SetInsertPoint(slow);
  call_intrinsic(IntrinsicId::kInterrupted, {});  // traps: interrupted or stack exhausted
  b_.CreateUnreachable();
  b_.SetInsertPoint(next);
}

void FunctionEmitter::check_interrupt() {
  llvm::LoadInst* flag = b_.CreateLoad(
      env_.i32, b_.CreateConstInBoundsGEP1_64(env_.i8, store_, abi::kStoreInterruptOffset));
  flag->setVolatile(true);
  llvm::BasicBlock* stop = llvm::BasicBlock::Create(env_.ctx, "interrupt", fn_);
  llvm::BasicBlock* next = llvm::BasicBlock::Create(env_.ctx, "run", fn_);
  llvm::MDBuilder md(env_.ctx);
  b_.CreateCondBr(b_.CreateICmpNE(flag, b_.getInt32(0)), stop, next,
                  md.createBranchWeights(1, 1 << 20));
  b_.SetInsertPoint(stop);
  call_intrinsic(IntrinsicId::kInterrupted, {});  // traps
  b_.CreateUnreachable();
  b_.SetInsertPoint(next);
}

}  // namespace ws::engine::codegen
