// Linear memory reservation and growth with mmap/mprotect.
#include "engine/runtime/memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "engine/runtime/memory_totals.h"

namespace ws::engine {
namespace {

MemoryTotals g_default_totals;
std::atomic<MemoryTotals*> g_totals{&g_default_totals};

constexpr uint64_t kMaxMemory32Pages = 65536;

uint64_t effective_max_pages(const MemoryType& type, const StoreLimits& limits) {
  uint64_t cap = limits.max_memory_pages;
  if (!type.limits.is64) cap = std::min(cap, kMaxMemory32Pages);
  if (type.limits.max) cap = std::min(cap, *type.limits.max);
  return cap;
}

}  // namespace

const MemoryTotals& memory_totals() { return *g_totals.load(std::memory_order_acquire); }

void keep_memory_totals_in(MemoryTotals* storage) {
  MemoryTotals* old = g_totals.load(std::memory_order_acquire);
  if (storage == old) return;
  storage->bytes.store(old->bytes.load());
  storage->peak_bytes.store(old->peak_bytes.load());
  g_totals.store(storage, std::memory_order_release);
}

void memory_totals_add(uint64_t bytes) {
  MemoryTotals* t = g_totals.load(std::memory_order_acquire);
  uint64_t now = t->bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  uint64_t peak = t->peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !t->peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

void memory_totals_sub(uint64_t bytes) {
  g_totals.load(std::memory_order_acquire)->bytes.fetch_sub(bytes, std::memory_order_relaxed);
}

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

Memory::~Memory() {
  memory_totals_sub(vm_.size);
  munmap(vm_.base, reserved_);
}

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
  memory_totals_add(new_size - vm_.size);
  vm_.size = new_size;
  return static_cast<int64_t>(old_pages);
}

}  // namespace ws::engine
