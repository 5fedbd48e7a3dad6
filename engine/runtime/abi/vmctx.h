// The contract between compiled code and the runtime: layouts compiled code reads and writes.
// Codegen uses only the k*Offset constants; the static_asserts keep them equal to the structs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ws::engine::abi {

struct VMContext;

// A 16-byte value slot, the unit of argument/result arrays passed between host and Wasm.
// Numbers sit in the low bytes (little endian); references are pointers (0 = null).
struct alignas(16) RawValue {
  uint8_t bytes[16];
};

// One linear memory. `base` never moves (32-bit memories reserve 8 GiB + guard up front;
// memory64 reserves its maximum), so compiled code may load it once per function.
struct VMMemory {
  uint8_t* base;
  uint64_t size;  // in bytes; changes on memory.grow
};

// The value of a funcref: a pointer to one of these, or null. `code` is the function's entry in
// the Wasm calling convention (tailcc, callee context first); `vmctx` is the context to pass
// (a VMContext*, or the host function's context for host functions); `type_id` is the
// process-wide canonical id of its signature, compared by call_indirect.
struct VMFuncRef {
  void* code;
  void* vmctx;
  uint32_t type_id;
  uint32_t reserved;
};

// A table of references (funcref elements are VMFuncRef*, externref elements are opaque).
struct VMTable {
  void** elements;
  uint32_t size;
  uint32_t reserved;
};

// A global's storage cell (imported globals point at the exporter's cell).
struct alignas(16) VMGlobal {
  RawValue value;
};

// Shared by every instance of a store (one thread runs a store at a time).
struct VMStoreContext {
  uintptr_t stack_limit;        // prologues call ws_rt_interrupted when the frame is below it;
                                // an interrupt sets it to UINTPTR_MAX
  volatile uint32_t interrupt;  // non-zero: stop at the next loop header or function entry
  uint32_t reserved;
};

// Per-instance context, the first parameter of every compiled function. Arrays are indexed by
// the module's own index spaces, imports first.
struct VMContext {
  VMStoreContext* store;
  VMMemory** memories;
  VMTable** tables;
  VMGlobal** globals;
  VMFuncRef** funcs;         // every function's funcref record (ref.func, calls to imports)
  const uint32_t* type_ids;  // canonical signature id per type index
  void* instance;            // the runtime's Instance, for intrinsics
};

inline constexpr uint32_t kContextStoreOffset = 0;
inline constexpr uint32_t kContextMemoriesOffset = 8;
inline constexpr uint32_t kContextTablesOffset = 16;
inline constexpr uint32_t kContextGlobalsOffset = 24;
inline constexpr uint32_t kContextFuncsOffset = 32;
inline constexpr uint32_t kContextTypeIdsOffset = 40;
inline constexpr uint32_t kStoreStackLimitOffset = 0;
inline constexpr uint32_t kStoreInterruptOffset = 8;
inline constexpr uint32_t kMemoryBaseOffset = 0;
inline constexpr uint32_t kMemorySizeOffset = 8;
inline constexpr uint32_t kFuncRefCodeOffset = 0;
inline constexpr uint32_t kFuncRefContextOffset = 8;
inline constexpr uint32_t kFuncRefTypeIdOffset = 16;
inline constexpr uint32_t kTableElementsOffset = 0;
inline constexpr uint32_t kTableSizeOffset = 8;

static_assert(offsetof(VMContext, store) == kContextStoreOffset);
static_assert(offsetof(VMContext, memories) == kContextMemoriesOffset);
static_assert(offsetof(VMContext, tables) == kContextTablesOffset);
static_assert(offsetof(VMContext, globals) == kContextGlobalsOffset);
static_assert(offsetof(VMContext, funcs) == kContextFuncsOffset);
static_assert(offsetof(VMContext, type_ids) == kContextTypeIdsOffset);
static_assert(offsetof(VMStoreContext, stack_limit) == kStoreStackLimitOffset);
static_assert(offsetof(VMStoreContext, interrupt) == kStoreInterruptOffset);
static_assert(offsetof(VMMemory, base) == kMemoryBaseOffset);
static_assert(offsetof(VMMemory, size) == kMemorySizeOffset);
static_assert(offsetof(VMFuncRef, code) == kFuncRefCodeOffset);
static_assert(offsetof(VMFuncRef, vmctx) == kFuncRefContextOffset);
static_assert(offsetof(VMFuncRef, type_id) == kFuncRefTypeIdOffset);
static_assert(offsetof(VMTable, elements) == kTableElementsOffset);
static_assert(offsetof(VMTable, size) == kTableSizeOffset);

// 32-bit memories: an access at zext(addr) + offset (< 2^33) plus up to 16 bytes never leaves
// the reservation, so compiled code needs no bounds check.
inline constexpr uint64_t kMemory32Reservation = (uint64_t{1} << 33) + (uint64_t{1} << 16);
inline constexpr uint64_t kWasmPageSize = 65536;

// Signatures of the code compiled for a module, in the C ABI:
//   trampoline: void(void* code, void* vmctx, RawValue* args_and_results) calls `code` (Wasm
//     convention) with arguments read from the slots and writes the results back from slot 0;
//   host call: the import adapters spill arguments to slots and call ws_rt_host_call(ctx, slots).
using Trampoline = void (*)(void* code, void* vmctx, RawValue* slots);

}  // namespace ws::engine::abi
