// Linear memory reservation and growth with mmap/mprotect.
#include "engine/runtime/memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ws::engine {
namespace {

constexpr uint64_t kMaxMemory32Pages = 65536;

uint64_t effective_max_pages(const MemoryType& type, const StoreLimits& limits) {
  uint64_t cap = limits.max_memory_pages;
  if (!type.limits.is64) cap = std::min(cap, kMaxMemory32Pages);
  if (type.limits.max) cap = std::min(cap, *type.limits.max);
  return cap;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Memory>> Memory::create(const MemoryType& type,
                                                       const StoreLimits& limits) {
  uint64_t max_pages = effective_max_pages(type, limits);
  if (type.limits.min > max_pages) {
    return absl::ResourceExhaustedError(absl::StrCat("memory minimum of ", type.limits.min,
                                                     " pages exceeds the limit of ", max_pages,
                                                     " pages"));
  }
  // memory64: reserve at least one page so that `base` is a real, unique mapping.
  uint64_t reserve = type.limits.is64 ? std::max<uint64_t>(max_pages, 1) * abi::kWasmPageSize
                                      : abi::kMemory32Reservation;
  void* p = mmap(nullptr, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot reserve ", reserve, " bytes for a memory: ", strerror(errno)));
  }
  std::unique_ptr<Memory> m(new Memory(type, static_cast<uint8_t*>(p), reserve, max_pages));
  if (m->grow(type.limits.min) < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot commit ", type.limits.min, " pages for a memory"));
  }
  return m;
}

Memory::Memory(const MemoryType& type, uint8_t* base, uint64_t reserved, uint64_t max_pages)
    : type_(type), reserved_(reserved), max_pages_(max_pages) {
  vm_.base = base;
  vm_.size = 0;
}

Memory::~Memory() { munmap(vm_.base, reserved_); }

MemoryType Memory::type() const {
  MemoryType t = type_;
  t.limits.min = pages();
  return t;
}

int64_t Memory::grow(uint64_t delta) {
  uint64_t old_pages = pages();
  if (delta > max_pages_ - old_pages) return -1;
  if (delta == 0) return static_cast<int64_t>(old_pages);
  uint64_t new_size = (old_pages + delta) * abi::kWasmPageSize;
  if (mprotect(vm_.base + vm_.size, new_size - vm_.size, PROT_READ | PROT_WRITE) != 0) return -1;
  vm_.size = new_size;
  return static_cast<int64_t>(old_pages);
}

}  // namespace ws::engine
