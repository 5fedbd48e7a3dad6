// Module-wide LLVM declarations: types, signatures, intrinsics, trampolines and host adapters.
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include "absl/strings/str_cat.h"
#include "engine/codegen/emitter.h"

namespace ws::engine::codegen {
namespace {

bool host_has_ssse3() {
  static const bool has = [] {
    auto features = llvm::sys::getHostCPUFeatures();
    auto it = features.find("ssse3");
    return it != features.end() && it->getValue();
  }();
  return has;
}

}  // namespace

ModuleEnv::ModuleEnv(const Module& module, const ModuleInfo& module_info, llvm::LLVMContext& c,
                     llvm::Module& llvm_module, Declare declare)
    : m(module), info(module_info), ctx(c), mod(llvm_module), ictx{module.features} {
  void_ty = llvm::Type::getVoidTy(ctx);
  i1 = llvm::Type::getInt1Ty(ctx);
  i8 = llvm::Type::getInt8Ty(ctx);
  i16 = llvm::Type::getInt16Ty(ctx);
  i32 = llvm::Type::getInt32Ty(ctx);
  i64 = llvm::Type::getInt64Ty(ctx);
  f32 = llvm::Type::getFloatTy(ctx);
  f64 = llvm::Type::getDoubleTy(ctx);
  ptr = llvm::PointerType::get(ctx, 0);
  x86_ssse3 =
      llvm::Triple(mod.getTargetTriple()).getArch() == llvm::Triple::x86_64 && host_has_ssse3();

  static constexpr struct {
    const char* symbol;
    const char* result;
    const char* params;
  } kIntrinsics[] = {
#define WS_INTRINSIC(name, symbol, result, params) {symbol, result, params},
#include "engine/runtime/abi/intrinsics.def"
#undef WS_INTRINSIC
  };
  for (size_t i = 0; i < kNumIntrinsics; ++i) {
    std::vector<llvm::Type*> params;
    for (const char* p = kIntrinsics[i].params; *p; ++p) params.push_back(letter_type(*p));
    auto* fty = llvm::FunctionType::get(letter_type(kIntrinsics[i].result[0]), params, false);
    llvm::Function* f =
        llvm::Function::Create(fty, llvm::Function::ExternalLinkage, kIntrinsics[i].symbol, mod);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    auto id = static_cast<IntrinsicId>(i);
    if (id == IntrinsicId::kTrap || id == IntrinsicId::kInterrupted) {  // both always trap
      f->addFnAttr(llvm::Attribute::NoReturn);
      f->addFnAttr(llvm::Attribute::Cold);
    }
    intrinsics[i] = f;
  }

  signatures.assign(m.types.size(), nullptr);
  functions.assign(m.functions.size(), nullptr);
  if (declare == Declare::kAll) {
    for (uint32_t t = 0; t < m.types.size(); ++t) type_signature(t);
    for (uint32_t i = m.num_imported_funcs; i < m.functions.size(); ++i) function(i);
  }
}

llvm::FunctionType* ModuleEnv::type_signature(uint32_t type_index) {
  llvm::FunctionType*& sig = signatures[type_index];
  if (sig == nullptr) sig = signature(m.types[type_index]);
  return sig;
}

llvm::Function* ModuleEnv::function(uint32_t index) {
  if (index < m.num_imported_funcs) return nullptr;
  llvm::Function*& f = functions[index];
  if (f == nullptr) {
    f = llvm::Function::Create(type_signature(m.functions[index]), llvm::Function::ExternalLinkage,
                               function_symbol(index), mod);
    f->setCallingConv(llvm::CallingConv::Tail);
    set_attributes(f);
  }
  return f;
}

llvm::Type* ModuleEnv::type(ValType t) const {
  switch (t) {
    case ValType::kI32:
      return i32;
    case ValType::kI64:
      return i64;
    case ValType::kF32:
      return f32;
    case ValType::kF64:
      return f64;
    case ValType::kV128:
      return llvm::FixedVectorType::get(i64, 2);
    default:
      return ptr;
  }
}

llvm::Type* ModuleEnv::letter_type(char c) const {
  switch (c) {
    case 'p':
      return ptr;
    case 'b':
      return i8;
    case 'h':
      return i16;
    case 'i':
      return i32;
    case 'l':
      return i64;
    case 'f':
      return f32;
    case 'd':
      return f64;
    default:
      return void_ty;
  }
}

llvm::FixedVectorType* ModuleEnv::vector_type(char c) const {
  llvm::Type* lane = letter_type(c);
  return llvm::FixedVectorType::get(lane, 128 / lane->getPrimitiveSizeInBits());
}

llvm::Type* ModuleEnv::return_type(const FuncType& ft) {
  if (ft.num_results() == 0) return void_ty;
  if (ft.num_results() == 1) return type(ft.result(0));
  std::vector<llvm::Type*> fields;
  for (uint32_t i = 0; i < ft.num_results(); ++i) fields.push_back(type(ft.result(i)));
  return llvm::StructType::get(ctx, fields);
}

llvm::FunctionType* ModuleEnv::signature(const FuncType& ft) {
  std::vector<llvm::Type*> params{ptr};
  for (uint32_t i = 0; i < ft.num_params; ++i) params.push_back(type(ft.param(i)));
  return llvm::FunctionType::get(return_type(ft), params, false);
}

std::string ModuleEnv::function_symbol(uint32_t index) { return absl::StrCat("ws_f", index); }
std::string ModuleEnv::trampoline_symbol(uint32_t type_index) {
  return absl::StrCat("ws_tramp", type_index);
}
std::string ModuleEnv::adapter_symbol(uint32_t import_index) {
  return absl::StrCat("ws_host", import_index);
}

void ModuleEnv::set_attributes(llvm::Function* f) const {
  f->addFnAttr("frame-pointer", "all");
  f->addFnAttr(llvm::Attribute::NoUnwind);
  // A Wasm `call` uses stack: LLVM must not turn self-recursion into a loop (deep recursion
  // has to end in "call stack exhausted"). return_call uses musttail, which this keeps.
  f->addFnAttr("disable-tail-calls", "true");
}

// void tramp(ptr code, ptr vmctx, ptr slots): arguments from 16-byte slots, results back.
void emit_trampolines(ModuleEnv& env) {
  auto* fty = llvm::FunctionType::get(env.void_ty, {env.ptr, env.ptr, env.ptr}, false);
  for (uint32_t t = 0; t < env.m.types.size(); ++t) {
    const FuncType& ft = env.m.types[t];
    llvm::Function* f = llvm::Function::Create(fty, llvm::Function::ExternalLinkage,
                                               ModuleEnv::trampoline_symbol(t), env.mod);
    env.set_attributes(f);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(env.ctx, "entry", f));
    llvm::Value* slots = f->getArg(2);
    std::vector<llvm::Value*> args{f->getArg(1)};
    for (uint32_t i = 0; i < ft.num_params; ++i) {
      llvm::Value* p = b.CreateConstInBoundsGEP1_64(env.i8, slots, uint64_t{16} * i);
      args.push_back(b.CreateAlignedLoad(env.type(ft.param(i)), p, llvm::Align(16)));
    }
    llvm::CallInst* call = b.CreateCall(env.type_signature(t), f->getArg(0), args);
    call->setCallingConv(llvm::CallingConv::Tail);
    for (uint32_t i = 0; i < ft.num_results(); ++i) {
      llvm::Value* v = ft.num_results() == 1 ? call : b.CreateExtractValue(call, i);
      llvm::Value* p = b.CreateConstInBoundsGEP1_64(env.i8, slots, uint64_t{16} * i);
      b.CreateAlignedStore(v, p, llvm::Align(16));
    }
    b.CreateRetVoid();
  }
}

// tailcc R adapter(ptr host_ctx, args...): spills to slots and calls ws_rt_host_call.
void emit_host_adapters(ModuleEnv& env) {
  uint32_t func = 0;
  for (uint32_t i = 0; i < env.m.imports.size(); ++i) {
    const Import& im = env.m.imports[i];
    if (im.kind != ExternKind::kFunc) continue;
    const FuncType& ft = env.m.types[im.func_type];
    llvm::Function* f =
        llvm::Function::Create(env.type_signature(im.func_type), llvm::Function::ExternalLinkage,
                               ModuleEnv::adapter_symbol(func++), env.mod);
    f->setCallingConv(llvm::CallingConv::Tail);
    env.set_attributes(f);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(env.ctx, "entry", f));
    uint32_t n = std::max<uint32_t>(1, std::max(ft.num_params, ft.num_results()));
    llvm::AllocaInst* slots = b.CreateAlloca(llvm::ArrayType::get(env.i8, uint64_t{16} * n));
    slots->setAlignment(llvm::Align(16));
    for (uint32_t p = 0; p < ft.num_params; ++p) {
      llvm::Value* at = b.CreateConstInBoundsGEP1_64(env.i8, slots, uint64_t{16} * p);
      b.CreateAlignedStore(f->getArg(p + 1), at, llvm::Align(16));
    }
    b.CreateCall(env.intrinsics[static_cast<size_t>(IntrinsicId::kHostCall)],
                 {f->getArg(0), slots});
    llvm::Value* ret = nullptr;
    if (ft.num_results() > 0) ret = llvm::UndefValue::get(env.return_type(ft));
    for (uint32_t r = 0; r < ft.num_results(); ++r) {
      llvm::Value* at = b.CreateConstInBoundsGEP1_64(env.i8, slots, uint64_t{16} * r);
      llvm::Value* v = b.CreateAlignedLoad(env.type(ft.result(r)), at, llvm::Align(16));
      ret = ft.num_results() == 1 ? v : b.CreateInsertValue(ret, v, r);
    }
    if (ret) {
      b.CreateRet(ret);
    } else {
      b.CreateRetVoid();
    }
  }
}

}  // namespace ws::engine::codegen
