// Internal: LLVM IR emission for one module and one function (the only LLVM-facing headers).
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <array>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/ast/instr.h"
#include "engine/ast/module.h"
#include "engine/codegen/codegen.h"
#include "engine/decode/instr_reader.h"
#include "engine/runtime/abi/trap.h"
#include "engine/validate/validator.h"

namespace llvm {
class TargetMachine;
}  // namespace llvm

namespace ws::engine::codegen {

// Sets LLVM's global options once per process, before the first compile of either tier:
// $WASMSHIM_LLVM_OPTIONS (LLVM's command-line options, a debugging aid), then
// kDomainReassignmentOption unless those options named it (compile.cpp says why).
void configure_llvm();
inline constexpr const char* kDomainReassignmentOption = "disable-x86-domain-reassignment";

// The IR pipeline for `tm` (optimize.cpp): 0 nothing; 1 and 2 a short per-function pipeline for
// producer-optimised Wasm (2 adds LICM and GVN); 3 LLVM's whole per-module O3 pipeline.
void optimize(llvm::Module& mod, llvm::TargetMachine* tm, int level);

// f32/f64 add, sub, mul and div: the operations whose NaN results the emitters make quiet
// (quiet_nan_result), scalar and per SIMD lane.
inline bool is_float_arith(Opcode op) {
  switch (op) {
    case Opcode::kF32Add:
    case Opcode::kF32Sub:
    case Opcode::kF32Mul:
    case Opcode::kF32Div:
    case Opcode::kF64Add:
    case Opcode::kF64Sub:
    case Opcode::kF64Mul:
    case Opcode::kF64Div:
      return true;
    default:
      return false;
  }
}

// Module-wide declarations shared by the function emitters. Function declarations and
// signatures are made on first use (function(), type_signature()), so an llvm::Module that
// holds one function of a big module declares only what that function references; kAll
// declares every defined function up front (whole-module emission).
struct ModuleEnv {
  enum class Declare { kAll, kOnDemand };
  ModuleEnv(const Module& module, const ModuleInfo& module_info, llvm::LLVMContext& c,
            llvm::Module& llvm_module, Declare declare = Declare::kAll);

  const Module& m;
  const ModuleInfo& info;
  llvm::LLVMContext& ctx;
  llvm::Module& mod;
  InstrContext ictx;

  llvm::Type* void_ty;
  llvm::IntegerType* i1;
  llvm::IntegerType* i8;
  llvm::IntegerType* i16;
  llvm::IntegerType* i32;
  llvm::IntegerType* i64;
  llvm::Type* f32;
  llvm::Type* f64;
  llvm::PointerType* ptr;
  // The target is x86-64 with SSSE3 (pshufb, pmulhrsw, pmaddubsw): the SIMD emitters use those
  // instructions' intrinsics only then and portable vector IR otherwise. Every tier compiles
  // for the host CPU, so the host's features are the target's.
  bool x86_ssse3 = false;

  // Caches behind type_signature() and function(); entries not made yet are nullptr.
  std::vector<llvm::FunctionType*> signatures;  // per type index, Wasm convention
  std::vector<llvm::Function*> functions;       // per function index; imports stay nullptr
  std::array<llvm::FunctionCallee, kNumIntrinsics> intrinsics;

  llvm::Type* type(ValType t) const;
  // Letters of intrinsics.def and of the memory access table: v void, p ptr, b i8, h i16,
  // i i32, l i64, f f32, d f64.
  llvm::Type* letter_type(char c) const;
  // The 128-bit vector whose lanes have letter type `c` (b: <16 x i8> ... d: <2 x double>).
  llvm::FixedVectorType* vector_type(char c) const;
  llvm::FunctionType* signature(const FuncType& ft);
  // The Wasm-convention signature of type `type_index`, made on first use.
  llvm::FunctionType* type_signature(uint32_t type_index);
  // The declaration of defined function `index` ("ws_f<index>", tailcc), made on first use;
  // nullptr for an imported function.
  llvm::Function* function(uint32_t index);
  // The Wasm-convention return value for `results` (void, one value, or a struct).
  llvm::Type* return_type(const FuncType& ft);
  static std::string function_symbol(uint32_t index);
  static std::string trampoline_symbol(uint32_t type_index);
  static std::string adapter_symbol(uint32_t import_index);
  // Attributes every generated function gets (frame pointers for backtraces, no unwind).
  void set_attributes(llvm::Function* f) const;
};

// Emits one defined function's body from its encoded instructions.
class FunctionEmitter {
 public:
  FunctionEmitter(ModuleEnv& env, uint32_t func_index);
  absl::Status emit();

 private:
  struct Frame {
    Opcode kind;                         // kBlock, kLoop, kIf, kElse, or kNop for the function body
    llvm::BasicBlock* cont = nullptr;    // continuation after `end`
    llvm::BasicBlock* header = nullptr;  // loop: the branch target
    llvm::BasicBlock* else_block = nullptr;
    std::vector<ValType> params, results;
    std::vector<llvm::PHINode*> result_phis;  // in `cont`
    std::vector<llvm::PHINode*> param_phis;   // in `header` (loops)
    std::vector<llvm::Value*> else_args;      // if: the params again for the else branch
    size_t height = 0;
    bool unreachable = false;
    int skip_depth = 0;  // nested blocks skipped while unreachable
  };

  // Dispatch by instruction family (emit_*.cpp).
  absl::Status instr(const Instr& in);
  absl::Status control(const Instr& in);
  absl::Status numeric(const Instr& in);
  absl::Status conversion(const Instr& in);
  llvm::Value* binary(Opcode op, llvm::Value* lhs, llvm::Value* rhs);
  llvm::Value* divide(Opcode op, llvm::Value* lhs, llvm::Value* rhs);
  llvm::Value* quiet_nan_result(llvm::Value* lhs, llvm::Value* rhs, llvm::Value* r);
  llvm::Value* trunc_checked(llvm::Value* x, llvm::Type* to, bool is_signed);
  absl::Status memory(const Instr& in);
  absl::Status bulk(const Instr& in);
  absl::Status variable(const Instr& in);
  absl::Status call(const Instr& in);
  absl::Status table(const Instr& in);
  absl::Status reference(const Instr& in);

  // SIMD by family (emit_simd*.cpp); each returns false for an opcode not of its family.
  absl::Status simd(const Instr& in);
  bool simd_memory(const Instr& in);
  bool simd_lanes(const Instr& in);
  bool simd_bitwise(const Instr& in);
  bool simd_compare(const Instr& in);
  bool simd_integer(const Instr& in);
  bool simd_int_unary(const Instr& in);
  bool simd_widen(const Instr& in);
  bool simd_dot_narrow(const Instr& in);
  bool simd_float(const Instr& in);
  bool simd_convert(const Instr& in);
  bool simd_relaxed(const Instr& in);
  // v128 values live on the operand stack as <2 x i64>; these view one as lanes of letter type
  // `shape` (see ModuleEnv::vector_type) and store lanes back.
  llvm::Value* pop_lanes(char shape);
  void push_lanes(llvm::Value* v);
  llvm::Value* splat(llvm::Value* scalar, char shape);
  llvm::Value* swizzle(llvm::Value* v, llvm::Value* idx);
  llvm::Value* q15mulr(llvm::Value* a, llvm::Value* b);
  llvm::Value* trunc_sat_lanes(llvm::Value* x, bool is_signed);
  llvm::Value* relaxed_dot_i16(llvm::Value* a, llvm::Value* b);

  // Control helpers.
  void block_types(const BlockType& bt, std::vector<ValType>& params,
                   std::vector<ValType>& results) const;
  void push_frame(Opcode kind, const BlockType& bt);
  void branch_to(Frame& target);
  void fall_through(Frame& f);
  void jump_with_values(const std::vector<llvm::PHINode*>& phis, llvm::BasicBlock* to);
  void end_frame();
  void start_else();
  void set_unreachable();
  void br_table(const Instr& in);
  void emit_return();
  void keep_alive(llvm::Value* v);

  // Operand stack.
  void push(llvm::Value* v) { stack_.push_back(v); }
  llvm::Value* pop() {
    llvm::Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  std::vector<llvm::Value*> pop_n(size_t n);

  // Runtime context access.
  llvm::Value* load_field(llvm::Value* base, uint32_t offset, llvm::Type* t, bool invariant,
                          const char* name);
  llvm::Value* store_context();
  llvm::Value* memory_record(uint32_t index);
  llvm::Value* memory_base(uint32_t index);
  llvm::Value* effective_address(const MemArg& mem, llvm::Value* addr, uint32_t bytes);
  llvm::Value* table_record(uint32_t index);
  llvm::Value* func_record(uint32_t index);
  llvm::Value* global_cell(uint32_t index);
  llvm::Value* call_intrinsic(IntrinsicId id, std::vector<llvm::Value*> args);
  void check_interrupt();
  void check_stack();
  // Branches to a shared trap block for `code` when `cond` is true.
  void trap_if(llvm::Value* cond, TrapCode code);
  void trap(TrapCode code);
  llvm::Value* index_operand(uint32_t memory, llvm::Value* v);  // i32/i64 address -> i64
  llvm::Value* wasm_call(llvm::FunctionType* sig, llvm::Value* callee, llvm::Value* context,
                         std::vector<llvm::Value*> args, bool tail);
  void push_results(llvm::Value* ret, const FuncType& ft);

  ModuleEnv& env_;
  llvm::IRBuilder<> b_;
  uint32_t func_index_;
  const FuncType& type_;
  llvm::Function* fn_;
  llvm::Value* vmctx_;
  llvm::Value* store_ = nullptr;
  llvm::BasicBlock* entry_ = nullptr;
  std::vector<llvm::Value*> memory_bases_;  // per memory index, loaded once in entry_
  std::vector<llvm::AllocaInst*> locals_;
  std::vector<ValType> local_types_;
  std::vector<llvm::Value*> stack_;
  std::vector<Frame> frames_;
  std::array<llvm::BasicBlock*, kNumTrapCodes> trap_blocks_{};  // one shared block per kind
  std::vector<uint32_t> targets_;
};

// Generates the host-entry trampoline for each type and the host adapter for each import.
void emit_trampolines(ModuleEnv& env);
void emit_host_adapters(ModuleEnv& env);

}  // namespace ws::engine::codegen
