// Test support: hand-written x86-64 functions standing in for JIT output, compiled code built
// from them, and modules assembled from WAT.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/ast/module.h"
#include "engine/runtime/code.h"

namespace ws::engine::testing {

// One hand-written function: [begin, end) of its machine code. Each keeps an rbp frame like
// compiled code and uses the C calling convention (vmctx first) with the trampolines below.
struct FakeFunction {
  const void* begin;
  const void* end;
};

// void(vmctx, uint8_t* addr): stores 1 at addr.                        Wasm type (param i64)
FakeFunction store_byte_fn();
// void(vmctx, int32 code): calls ws_rt_trap(vmctx, code).              Wasm type (param i32)
FakeFunction trap_fn();
// void(vmctx): calls function 0 (an import) through vmctx->funcs[0].   Wasm type ()
FakeFunction call_import0_fn();
// void(vmctx): spins until the store's interrupt flag is set, then calls ws_rt_interrupted.
FakeFunction spin_fn();
// int32(vmctx): returns the store's interrupt flag.                    Wasm type (result i32)
FakeFunction read_interrupt_fn();
// void(vmctx): recurses with a stack-limit check in its prologue; counts calls in
// recurse_depth().                                                     Wasm type ()
FakeFunction recurse_fn();
int64_t& recurse_depth();
// void(vmctx): calls ws_rt_trap(vmctx, kUnreachable).                  Wasm type ()
FakeFunction unreachable_fn();
// Host adapter for type () -> (): calls ws_rt_host_call(ctx, slots).
void* void_host_adapter();

// Compiled code for `m` whose defined functions are `defined` (in order); trampolines for the
// signatures above; the () -> () host adapter for every function import.
std::shared_ptr<const CompiledCode> fake_code(const Module& m, std::vector<FakeFunction> defined);

// Assembles WAT with wat2wasm, then decodes and validates it (all features enabled).
std::shared_ptr<const Module> assemble(const std::string& wat);

}  // namespace ws::engine::testing
