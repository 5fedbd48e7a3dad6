// Process-wide totals of linear memory, for a supervisor's statistics: the bytes accessible in
// every live Memory of this process now, and the most there ever were at once.
#pragma once

#include <atomic>
#include <cstdint>

namespace ws::engine {

struct MemoryTotals {
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> peak_bytes{0};
};
// The totals live in plain memory that another process may map (a shared page).
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// Where the totals are kept: a process-global object unless moved.
const MemoryTotals& memory_totals();
// Keeps the totals in `storage` from now on (for example in a page shared with the process that
// reports them); the figures so far move with them. `storage` must outlive every Memory. Call
// while no memory grows on another thread (before instantiating).
void keep_memory_totals_in(MemoryTotals* storage);

// Called by Memory as its accessible size changes.
void memory_totals_add(uint64_t bytes);
void memory_totals_sub(uint64_t bytes);

}  // namespace ws::engine
