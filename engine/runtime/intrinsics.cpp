// The ws_rt_* functions compiled code calls: traps, memory and table operations, host calls.
// Contract: C ABI, exactly the signatures of abi/intrinsics.def, caller's VMContext first
// (ws_rt_host_call: the host binding's context). Operands arrive in Wasm operand order after
// the immediates; memory addresses and lengths are zero-extended to i64 by the caller for
// 32-bit memories. Bounds violations trap before anything is written. An intrinsic that
// unwinds does so only after every C++ object it created is gone.
#include "engine/runtime/intrinsics.h"

#include <algorithm>
#include <cstring>

#include "engine/runtime/host_call.h"
#include "engine/runtime/instance.h"
#include "engine/runtime/traps.h"

namespace ws::engine {
namespace {

Instance& instance(void* ctx) { return *Instance::from_vmctx(static_cast<abi::VMContext*>(ctx)); }

// [at, at + n) within [0, size)
bool in_bounds(uint64_t at, uint64_t n, uint64_t size) { return n <= size && at <= size - n; }

[[noreturn]] void trap_memory() { runtime::raise_trap(TrapCode::kOutOfBoundsMemory); }
[[noreturn]] void trap_table() { runtime::raise_trap(TrapCode::kOutOfBoundsTable); }

}  // namespace
}  // namespace ws::engine

using ws::engine::Instance;
using ws::engine::Memory;
using ws::engine::Table;
using ws::engine::TrapCode;
using ws::engine::abi::RawValue;

extern "C" {

void ws_rt_trap(void* ctx, int32_t code) {
  (void)ctx;
  ws::engine::runtime::raise_trap(static_cast<TrapCode>(code));
}

// Called by loops when the interrupt flag is set, and by prologues whose frame is below the
// stack limit: an interrupt (which raises the limit to the top) or a real exhaustion.
void ws_rt_interrupted(void* ctx) {
  auto* vm = static_cast<ws::engine::abi::VMContext*>(ctx);
  bool interrupted = __atomic_load_n(&vm->store->interrupt, __ATOMIC_RELAXED) != 0;
  ws::engine::runtime::raise_trap(interrupted ? TrapCode::kInterrupted
                                              : TrapCode::kCallStackExhausted);
}

int64_t ws_rt_memory_grow(void* ctx, int32_t mem, int64_t delta) {
  return ws::engine::instance(ctx).memory(mem)->grow(static_cast<uint64_t>(delta));
}

void ws_rt_memory_fill(void* ctx, int32_t mem, int64_t dst, int32_t value, int64_t n) {
  Memory* m = ws::engine::instance(ctx).memory(mem);
  if (!ws::engine::in_bounds(dst, n, m->size_bytes())) ws::engine::trap_memory();
  std::memset(m->base() + dst, value, static_cast<size_t>(n));
}

void ws_rt_memory_copy(void* ctx, int32_t dst_mem, int32_t src_mem, int64_t dst, int64_t src,
                       int64_t n) {
  Instance& inst = ws::engine::instance(ctx);
  Memory* d = inst.memory(dst_mem);
  Memory* s = inst.memory(src_mem);
  if (!ws::engine::in_bounds(dst, n, d->size_bytes()) ||
      !ws::engine::in_bounds(src, n, s->size_bytes())) {
    ws::engine::trap_memory();
  }
  std::memmove(d->base() + dst, s->base() + src, static_cast<size_t>(n));
}

void ws_rt_memory_init(void* ctx, int32_t mem, int32_t data, int64_t dst, int32_t src, int32_t n) {
  if (!ws::engine::instance(ctx).memory_init(mem, data, static_cast<uint64_t>(dst),
                                             static_cast<uint32_t>(src),
                                             static_cast<uint32_t>(n))) {
    ws::engine::trap_memory();
  }
}

void ws_rt_data_drop(void* ctx, int32_t data) { ws::engine::instance(ctx).drop_data(data); }

void* ws_rt_table_get(void* ctx, int32_t table, int32_t index) {
  Table* t = ws::engine::instance(ctx).table(table);
  if (static_cast<uint32_t>(index) >= t->size()) ws::engine::trap_table();
  return t->get(static_cast<uint32_t>(index));
}

void ws_rt_table_set(void* ctx, int32_t table, int32_t index, void* value) {
  Table* t = ws::engine::instance(ctx).table(table);
  if (static_cast<uint32_t>(index) >= t->size()) ws::engine::trap_table();
  t->set(static_cast<uint32_t>(index), value);
}

int32_t ws_rt_table_size(void* ctx, int32_t table) {
  return static_cast<int32_t>(ws::engine::instance(ctx).table(table)->size());
}

int32_t ws_rt_table_grow(void* ctx, int32_t table, void* init, int32_t delta) {
  return static_cast<int32_t>(
      ws::engine::instance(ctx).table(table)->grow(static_cast<uint32_t>(delta), init));
}

void ws_rt_table_fill(void* ctx, int32_t table, int32_t dst, void* value, int32_t n) {
  Table* t = ws::engine::instance(ctx).table(table);
  if (!ws::engine::in_bounds(static_cast<uint32_t>(dst), static_cast<uint32_t>(n), t->size())) {
    ws::engine::trap_table();
  }
  std::fill_n(t->data() + static_cast<uint32_t>(dst), static_cast<uint32_t>(n), value);
}

void ws_rt_table_copy(void* ctx, int32_t dst_table, int32_t src_table, int32_t dst, int32_t src,
                      int32_t n) {
  Instance& inst = ws::engine::instance(ctx);
  Table* d = inst.table(dst_table);
  Table* s = inst.table(src_table);
  auto ud = static_cast<uint32_t>(dst), us = static_cast<uint32_t>(src);
  auto un = static_cast<uint32_t>(n);
  if (!ws::engine::in_bounds(ud, un, d->size()) || !ws::engine::in_bounds(us, un, s->size())) {
    ws::engine::trap_table();
  }
  std::memmove(d->data() + ud, s->data() + us, size_t{un} * sizeof(void*));
}

void ws_rt_table_init(void* ctx, int32_t table, int32_t elem, int32_t dst, int32_t src, int32_t n) {
  if (!ws::engine::instance(ctx).table_init(table, elem, static_cast<uint32_t>(dst),
                                            static_cast<uint32_t>(src), static_cast<uint32_t>(n))) {
    ws::engine::trap_table();
  }
}

void ws_rt_elem_drop(void* ctx, int32_t elem) { ws::engine::instance(ctx).drop_elem(elem); }

void ws_rt_host_call(void* ctx, RawValue* slots) {
  int32_t exit_code = 0;
  auto end = ws::engine::runtime::call_host_from_wasm(*ws::engine::FuncRecord::from_vm(ctx), slots,
                                                      exit_code);
  if (end == ws::engine::runtime::HostCallEnd::kError) ws::engine::runtime::raise_host_error();
  if (end == ws::engine::runtime::HostCallEnd::kExit) ws::engine::runtime::raise_exit(exit_code);
}

}  // extern "C"

namespace ws::engine {
namespace {

// Every intrinsic this file defines, in intrinsics.def order (checked below).
#define WS_RUNTIME_INTRINSICS(X) \
  X(ws_rt_trap)                  \
  X(ws_rt_interrupted)           \
  X(ws_rt_memory_grow)           \
  X(ws_rt_memory_fill)           \
  X(ws_rt_memory_copy)           \
  X(ws_rt_memory_init)           \
  X(ws_rt_data_drop)             \
  X(ws_rt_table_get)             \
  X(ws_rt_table_set)             \
  X(ws_rt_table_size)            \
  X(ws_rt_table_grow)            \
  X(ws_rt_table_fill)            \
  X(ws_rt_table_copy)            \
  X(ws_rt_table_init)            \
  X(ws_rt_elem_drop)             \
  X(ws_rt_host_call)

#define WS_SYMBOL(fn) #fn,
constexpr const char* kSymbols[] = {WS_RUNTIME_INTRINSICS(WS_SYMBOL)};
#undef WS_SYMBOL

constexpr bool same_text(const char* a, const char* b) {
  while (*a != 0 && *a == *b) ++a, ++b;
  return *a == *b;
}

constexpr bool table_matches_def() {
  if (std::size(kSymbols) != std::size(kIntrinsicSymbols)) return false;
  for (size_t i = 0; i < std::size(kIntrinsicSymbols); ++i) {
    if (!same_text(kSymbols[i], kIntrinsicSymbols[i])) return false;
  }
  return true;
}
static_assert(table_matches_def(),
              "WS_RUNTIME_INTRINSICS must list intrinsics.def's symbols in order");

}  // namespace

const std::array<void*, kRuntimeIntrinsicCount>& runtime_intrinsics() {
#define WS_ADDRESS(fn) reinterpret_cast<void*>(&fn),
  static const std::array<void*, kRuntimeIntrinsicCount> table = {
      WS_RUNTIME_INTRINSICS(WS_ADDRESS)};
#undef WS_ADDRESS
  return table;
}

}  // namespace ws::engine
