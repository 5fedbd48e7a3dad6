// Engine-wide resource limits a store enforces on the instances it creates and runs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ws::engine {

// Named StoreLimits because ws::engine::Limits is the Wasm limits type of engine/ast.
struct StoreLimits {
  // Most pages one linear memory may have (declared minimum or after growth). 32-bit memories
  // are further capped at 65536 pages. A memory64 memory reserves min(declared max, this) pages
  // of address space up front, so this is also its reservation (default 16 GiB).
  uint64_t max_memory_pages = uint64_t{1} << 18;
  // Most elements one table may have.
  uint32_t max_table_elements = 10'000'000;
  // Native stack Wasm frames may use below the point where the host enters Wasm.
  size_t max_stack_bytes = size_t{1} << 20;
};

}  // namespace ws::engine
