// Test support: the fake JIT functions (top-level assembly), trampolines and WAT assembly.
#include "engine/runtime/fake_jit_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "engine/decode/decoder.h"
#include "engine/runtime/abi/trap.h"
#include "engine/runtime/value.h"
#include "engine/validate/validator.h"
#include "support/file.h"
#include "test/fixtures/wat.h"

#if !defined(__x86_64__)
#error "the runtime tests' fake JIT code is x86-64 assembly"
#endif

extern "C" {
int64_t ws_test_depth = 0;
extern const char ws_test_store_byte[], ws_test_store_byte_end[];
extern const char ws_test_trap[], ws_test_trap_end[];
extern const char ws_test_call_import0[], ws_test_call_import0_end[];
extern const char ws_test_spin[], ws_test_spin_end[];
extern const char ws_test_read_interrupt[], ws_test_read_interrupt_end[];
extern const char ws_test_recurse[], ws_test_recurse_end[];
extern const char ws_test_unreachable[], ws_test_unreachable_end[];
extern const char ws_test_void_adapter[];
}

static_assert(static_cast<int>(ws::engine::TrapCode::kCallStackExhausted) == 10);
static_assert(static_cast<int>(ws::engine::TrapCode::kUnreachable) == 0);

// VMContext: store at 0, funcs at 32. VMStoreContext: stack_limit at 0, interrupt at 8.
asm(R"(
  .text
  .globl ws_test_store_byte, ws_test_store_byte_end
ws_test_store_byte:
  pushq %rbp
  movq %rsp, %rbp
  movb $1, (%rsi)
  popq %rbp
  ret
ws_test_store_byte_end:

  .globl ws_test_trap, ws_test_trap_end
ws_test_trap:
  pushq %rbp
  movq %rsp, %rbp
  call ws_rt_trap@PLT
  ud2
ws_test_trap_end:

  .globl ws_test_call_import0, ws_test_call_import0_end
ws_test_call_import0:
  pushq %rbp
  movq %rsp, %rbp
  movq 32(%rdi), %rax
  movq (%rax), %rax
  movq 8(%rax), %rdi
  call *(%rax)
  popq %rbp
  ret
ws_test_call_import0_end:

  .globl ws_test_spin, ws_test_spin_end
ws_test_spin:
  pushq %rbp
  movq %rsp, %rbp
1:
  pause
  movq (%rdi), %rax
  movl 8(%rax), %eax
  testl %eax, %eax
  jz 1b
  call ws_rt_interrupted@PLT
  popq %rbp
  ret
ws_test_spin_end:

  .globl ws_test_read_interrupt, ws_test_read_interrupt_end
ws_test_read_interrupt:
  pushq %rbp
  movq %rsp, %rbp
  movq (%rdi), %rax
  movl 8(%rax), %eax
  popq %rbp
  ret
ws_test_read_interrupt_end:

  .globl ws_test_recurse, ws_test_recurse_end
ws_test_recurse:
  pushq %rbp
  movq %rsp, %rbp
  movq (%rdi), %rax
  cmpq (%rax), %rbp
  jb 2f
  incq ws_test_depth(%rip)
  call ws_test_recurse
  popq %rbp
  ret
2:
  movl $10, %esi
  call ws_rt_trap@PLT
  ud2
ws_test_recurse_end:

  .globl ws_test_unreachable, ws_test_unreachable_end
ws_test_unreachable:
  pushq %rbp
  movq %rsp, %rbp
  xorl %esi, %esi
  call ws_rt_trap@PLT
  ud2
ws_test_unreachable_end:

  .globl ws_test_void_adapter
ws_test_void_adapter:
  pushq %rbp
  movq %rsp, %rbp
  subq $16, %rsp
  movq %rsp, %rsi
  call ws_rt_host_call@PLT
  leave
  ret
)");

namespace ws::engine::testing {
namespace {

using abi::RawValue;

void tramp_void(void* code, void* vmctx, RawValue*) {
  reinterpret_cast<void (*)(void*)>(code)(vmctx);
}
void tramp_i64(void* code, void* vmctx, RawValue* slots) {
  reinterpret_cast<void (*)(void*, int64_t)>(code)(vmctx, raw_as_i64(slots[0]));
}
void tramp_i32(void* code, void* vmctx, RawValue* slots) {
  reinterpret_cast<void (*)(void*, int32_t)>(code)(vmctx, raw_as_i32(slots[0]));
}
void tramp_ret_i32(void* code, void* vmctx, RawValue* slots) {
  slots[0] = raw_i32(reinterpret_cast<int32_t (*)(void*)>(code)(vmctx));
}

abi::Trampoline trampoline_for(const FuncType& t) {
  const std::vector<ValType>& v = t.types;
  if (v.empty()) return tramp_void;
  if (t.num_params == 1 && v.size() == 1 && v[0] == ValType::kI64) return tramp_i64;
  if (t.num_params == 1 && v.size() == 1 && v[0] == ValType::kI32) return tramp_i32;
  if (t.num_params == 0 && v.size() == 1 && v[0] == ValType::kI32) return tramp_ret_i32;
  return nullptr;
}

FakeFunction fn(const char* begin, const char* end) { return {begin, end}; }

}  // namespace

FakeFunction store_byte_fn() { return fn(ws_test_store_byte, ws_test_store_byte_end); }
FakeFunction trap_fn() { return fn(ws_test_trap, ws_test_trap_end); }
FakeFunction call_import0_fn() { return fn(ws_test_call_import0, ws_test_call_import0_end); }
FakeFunction spin_fn() { return fn(ws_test_spin, ws_test_spin_end); }
FakeFunction read_interrupt_fn() { return fn(ws_test_read_interrupt, ws_test_read_interrupt_end); }
FakeFunction recurse_fn() { return fn(ws_test_recurse, ws_test_recurse_end); }
int64_t& recurse_depth() { return ws_test_depth; }
FakeFunction unreachable_fn() { return fn(ws_test_unreachable, ws_test_unreachable_end); }
void* void_host_adapter() { return const_cast<char*>(ws_test_void_adapter); }

std::shared_ptr<const CompiledCode> fake_code(const Module& m, std::vector<FakeFunction> defined) {
  auto code = std::make_shared<CompiledCode>();
  for (const FakeFunction& f : defined) {
    code->functions.push_back(const_cast<void*>(f.begin));
    code->ranges.push_back(
        {reinterpret_cast<uintptr_t>(f.begin), reinterpret_cast<uintptr_t>(f.end)});
  }
  for (const FuncType& t : m.types) code->trampolines.push_back(trampoline_for(t));
  code->host_adapters.assign(m.num_imported_funcs, void_host_adapter());
  return code;
}

std::shared_ptr<const Module> assemble(const std::string& wat) {
  std::vector<uint8_t> bytes = ws::testing::wat_to_wasm(wat);
  if (bytes.empty()) return nullptr;
  auto m = decode_module(std::move(bytes));
  EXPECT_TRUE(m.ok()) << m.status();
  if (!m.ok()) return nullptr;
  auto info = validate_module(*m);
  EXPECT_TRUE(info.ok()) << info.status();
  return std::make_shared<const Module>(std::move(*m));
}

}  // namespace ws::engine::testing
