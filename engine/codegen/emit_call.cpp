// Locals, globals, calls (direct, through imports, indirect) and tail calls.
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {

absl::Status FunctionEmitter::variable(const Instr& in) {
  switch (in.op) {
    case Opcode::kLocalGet:
      push(b_.CreateLoad(env_.type(local_types_[in.a]), locals_[in.a]));
      break;
    case Opcode::kLocalSet:
      b_.CreateStore(pop(), locals_[in.a]);
      break;
    case Opcode::kLocalTee:
      b_.CreateStore(stack_.back(), locals_[in.a]);
      break;
    case Opcode::kGlobalGet: {
      const GlobalType& g = env_.m.globals[in.a].type;
      push(load_field(global_cell(in.a), 0, env_.type(g.type), !g.mut, "global.value"));
      break;
    }
    default:  // global.set
      b_.CreateStore(pop(), global_cell(in.a));
      break;
  }
  return absl::OkStatus();
}

llvm::Value* FunctionEmitter::wasm_call(llvm::FunctionType* sig, llvm::Value* callee,
                                        llvm::Value* context, std::vector<llvm::Value*> args,
                                        bool tail) {
  args.insert(args.begin(), context);
  llvm::CallInst* call = b_.CreateCall(sig, callee, args);
  call->setCallingConv(llvm::CallingConv::Tail);
  if (!tail) return call;
  call->setTailCallKind(llvm::CallInst::TCK_MustTail);
  if (sig->getReturnType()->isVoidTy()) {
    b_.CreateRetVoid();
  } else {
    b_.CreateRet(call);
  }
  set_unreachable();
  return nullptr;
}

void FunctionEmitter::push_results(llvm::Value* ret, const FuncType& ft) {
  if (!ret) return;
  if (ft.num_results() == 1) {
    push(ret);
  } else {
    for (uint32_t i = 0; i < ft.num_results(); ++i) push(b_.CreateExtractValue(ret, i));
  }
}

absl::Status FunctionEmitter::call(const Instr& in) {
  bool tail = in.op == Opcode::kReturnCall || in.op == Opcode::kReturnCallIndirect;
  if (in.op == Opcode::kCall || in.op == Opcode::kReturnCall) {
    const FuncType& ft = env_.m.func_type(in.a);
    llvm::FunctionType* sig = env_.type_signature(env_.m.functions[in.a]);
    std::vector<llvm::Value*> args = pop_n(ft.num_params);
    if (llvm::Function* callee = env_.function(in.a)) {
      push_results(wasm_call(sig, callee, vmctx_, args, tail), ft);
    } else {  // imported: code and context come from the funcref record
      llvm::Value* rec = func_record(in.a);
      llvm::Value* code = load_field(rec, abi::kFuncRefCodeOffset, env_.ptr, true, "code");
      llvm::Value* ctx = load_field(rec, abi::kFuncRefContextOffset, env_.ptr, true, "ctx");
      push_results(wasm_call(sig, code, ctx, args, tail), ft);
    }
    return absl::OkStatus();
  }
  // call_indirect: bounds, null and signature checks, then call through the record.
  const FuncType& ft = env_.m.types[in.a];
  llvm::Value* index = pop();
  std::vector<llvm::Value*> args = pop_n(ft.num_params);
  llvm::Value* table = table_record(in.b);
  llvm::Value* size = load_field(table, abi::kTableSizeOffset, env_.i32, false, "table.size");
  trap_if(b_.CreateICmpUGE(index, size), TrapCode::kUndefinedElement);
  llvm::Value* elems =
      load_field(table, abi::kTableElementsOffset, env_.ptr, false, "table.elements");
  llvm::Value* slot = b_.CreateGEP(env_.ptr, elems, b_.CreateZExt(index, env_.i64));
  llvm::Value* rec = b_.CreateLoad(env_.ptr, slot, "funcref");
  trap_if(b_.CreateIsNull(rec), TrapCode::kUninitializedElement);
  llvm::Value* ids = load_field(vmctx_, abi::kContextTypeIdsOffset, env_.ptr, true, "type_ids");
  llvm::Value* expected = load_field(ids, 4 * in.a, env_.i32, true, "expected_type");
  llvm::Value* actual = load_field(rec, abi::kFuncRefTypeIdOffset, env_.i32, true, "type_id");
  trap_if(b_.CreateICmpNE(expected, actual), TrapCode::kIndirectCallTypeMismatch);
  llvm::Value* code = load_field(rec, abi::kFuncRefCodeOffset, env_.ptr, true, "code");
  llvm::Value* ctx = load_field(rec, abi::kFuncRefContextOffset, env_.ptr, true, "ctx");
  push_results(wasm_call(env_.type_signature(in.a), code, ctx, args, tail), ft);
  return absl::OkStatus();
}

absl::Status FunctionEmitter::table(const Instr& in) {
  auto i32 = [&](uint32_t v) { return b_.getInt32(v); };
  switch (in.op) {
    case Opcode::kTableGet: {
      llvm::Value* idx = pop();
      push(call_intrinsic(IntrinsicId::kTableGet, {i32(in.a), idx}));
      break;
    }
    case Opcode::kTableSet: {
      llvm::Value* ref = pop();
      llvm::Value* idx = pop();
      call_intrinsic(IntrinsicId::kTableSet, {i32(in.a), idx, ref});
      break;
    }
    case Opcode::kTableSize:
      push(call_intrinsic(IntrinsicId::kTableSize, {i32(in.a)}));
      break;
    case Opcode::kTableGrow: {
      llvm::Value* delta = pop();
      llvm::Value* init = pop();
      push(call_intrinsic(IntrinsicId::kTableGrow, {i32(in.a), init, delta}));
      break;
    }
    case Opcode::kTableFill: {
      llvm::Value* n = pop();
      llvm::Value* ref = pop();
      llvm::Value* dst = pop();
      call_intrinsic(IntrinsicId::kTableFill, {i32(in.a), dst, ref, n});
      break;
    }
    case Opcode::kTableCopy: {
      std::vector<llvm::Value*> v = pop_n(3);
      call_intrinsic(IntrinsicId::kTableCopy, {i32(in.a), i32(in.b), v[0], v[1], v[2]});
      break;
    }
    case Opcode::kTableInit: {
      std::vector<llvm::Value*> v = pop_n(3);
      call_intrinsic(IntrinsicId::kTableInit, {i32(in.b), i32(in.a), v[0], v[1], v[2]});
      break;
    }
    default:  // elem.drop
      call_intrinsic(IntrinsicId::kElemDrop, {i32(in.a)});
      break;
  }
  return absl::OkStatus();
}

absl::Status FunctionEmitter::reference(const Instr& in) {
  switch (in.op) {
    case Opcode::kRefNull:
      push(llvm::ConstantPointerNull::get(env_.ptr));
      break;
    case Opcode::kRefIsNull:
      push(b_.CreateZExt(b_.CreateIsNull(pop()), env_.i32));
      break;
    default:  // ref.func
      push(func_record(in.a));
      break;
  }
  return absl::OkStatus();
}

}  // namespace ws::engine::codegen
