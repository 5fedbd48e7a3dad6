// The runtime functions compiled code calls (engine/runtime/abi/intrinsics.def), by address.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/runtime/abi/intrinsics.h"
#include "engine/runtime/abi/vmctx.h"

// Signatures as intrinsics.def spells them ("p" = pointer, "i" = int32_t, "l" = int64_t); the
// first parameter is the caller's VMContext* (ws_rt_host_call: the host binding's context).
extern "C" {
[[noreturn]] void ws_rt_trap(void* ctx, int32_t code);
[[noreturn]] void ws_rt_interrupted(void* ctx);
int64_t ws_rt_memory_grow(void* ctx, int32_t mem, int64_t delta);
void ws_rt_memory_fill(void* ctx, int32_t mem, int64_t dst, int32_t value, int64_t n);
void ws_rt_memory_copy(void* ctx, int32_t dst_mem, int32_t src_mem, int64_t dst, int64_t src,
                       int64_t n);
void ws_rt_memory_init(void* ctx, int32_t mem, int32_t data, int64_t dst, int32_t src, int32_t n);
void ws_rt_data_drop(void* ctx, int32_t data);
void* ws_rt_table_get(void* ctx, int32_t table, int32_t index);
void ws_rt_table_set(void* ctx, int32_t table, int32_t index, void* value);
int32_t ws_rt_table_size(void* ctx, int32_t table);
int32_t ws_rt_table_grow(void* ctx, int32_t table, void* init, int32_t delta);
void ws_rt_table_fill(void* ctx, int32_t table, int32_t dst, void* value, int32_t n);
void ws_rt_table_copy(void* ctx, int32_t dst_table, int32_t src_table, int32_t dst, int32_t src,
                      int32_t n);
void ws_rt_table_init(void* ctx, int32_t table, int32_t elem, int32_t dst, int32_t src, int32_t n);
void ws_rt_elem_drop(void* ctx, int32_t elem);
void ws_rt_host_call(void* ctx, ws::engine::abi::RawValue* slots);
}

namespace ws::engine {

inline constexpr size_t kRuntimeIntrinsicCount = kNumIntrinsics;

// Addresses of the ws_rt_* functions indexed by IntrinsicId (intrinsics.def order), for
// CompileOptions::intrinsics.
const std::array<void*, kRuntimeIntrinsicCount>& runtime_intrinsics();

}  // namespace ws::engine
