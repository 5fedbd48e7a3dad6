// Linear memory: a fixed address-space reservation whose accessible prefix grows in place.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/ast/types.h"
#include "engine/runtime/abi/vmctx.h"
#include "engine/runtime/limits.h"

namespace ws::engine {

// A 32-bit memory reserves abi::kMemory32Reservation bytes PROT_NONE and makes pages
// read-write as it grows: every address compiled code can form stays inside the reservation
// and anything past `size` faults (the signal handler turns it into a trap). A memory64 memory
// reserves its maximum (capped by StoreLimits::max_memory_pages) and is bounds-checked by
// compiled code against `size`. In both cases `base` never moves.
class Memory {
 public:
  // Fails with RESOURCE_EXHAUSTED when the minimum exceeds the limits or mmap fails.
  static absl::StatusOr<std::unique_ptr<Memory>> create(const MemoryType& type,
                                                        const StoreLimits& limits);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  abi::VMMemory* vm() { return &vm_; }
  uint8_t* base() const { return vm_.base; }
  uint64_t size_bytes() const { return vm_.size; }
  uint64_t pages() const { return vm_.size / abi::kWasmPageSize; }
  bool is64() const { return type_.limits.is64; }
  // The type as import matching sees it: the current size as the minimum.
  MemoryType type() const;
  // The most pages this memory may ever have (declared max, index type and StoreLimits).
  uint64_t max_pages() const { return max_pages_; }

  // Grows by `delta` pages; returns the old size in pages, or -1 when the result would exceed
  // max_pages() or the pages cannot be committed. New pages read as zero.
  int64_t grow(uint64_t delta);

 private:
  Memory(const MemoryType& type, uint8_t* base, uint64_t reserved, uint64_t max_pages);

  abi::VMMemory vm_{};
  MemoryType type_;
  uint64_t reserved_ = 0;  // bytes mapped at base
  uint64_t max_pages_ = 0;
};

}  // namespace ws::engine
