// Linear memory and table unit tests: reservation, growth, limits and stable bases.
#include "engine/runtime/memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/runtime/memory_totals.h"
#include "engine/runtime/table.h"

namespace ws::engine {
namespace {

MemoryType mem_type(uint64_t min, std::optional<uint64_t> max = std::nullopt, bool is64 = false) {
  MemoryType t;
  t.limits.min = min;
  t.limits.max = max;
  t.limits.is64 = is64;
  return t;
}

TEST(Memory, ProcessTotalsFollowGrowthAndDestructionAndMoveWithTheirStorage) {
  const uint64_t page = abi::kWasmPageSize;
  uint64_t before = memory_totals().bytes.load();
  uint64_t peak_before = memory_totals().peak_bytes.load();
  {
    auto a = Memory::create(mem_type(2, 10), StoreLimits{});
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(memory_totals().bytes.load(), before + 2 * page);
    ASSERT_EQ((*a)->grow(3), 2);
    ASSERT_EQ((*a)->grow(100), -1);  // refused growth counts nothing
    EXPECT_EQ(memory_totals().bytes.load(), before + 5 * page);

    MemoryTotals shared;  // as a page shared with a supervisor would hold them
    keep_memory_totals_in(&shared);
    EXPECT_EQ(&memory_totals(), &shared);
    EXPECT_EQ(shared.bytes.load(), before + 5 * page);
    EXPECT_GE(shared.peak_bytes.load(), std::max(peak_before, before + 5 * page));
    auto b = Memory::create(mem_type(1, 1, /*is64=*/true), StoreLimits{});
    ASSERT_TRUE(b.ok()) << b.status();
    EXPECT_EQ(shared.bytes.load(), before + 6 * page);
    b->reset();
    EXPECT_EQ(shared.bytes.load(), before + 5 * page);
    EXPECT_GE(shared.peak_bytes.load(), before + 6 * page);  // the peak stays

    static MemoryTotals outlives_a;  // `a` is destroyed after this scope's `shared`
    keep_memory_totals_in(&outlives_a);
  }
  EXPECT_EQ(memory_totals().bytes.load(), before);
}

TEST(Memory, Memory32ReservesTheWholeRangeAndGrowsInPlace) {
  auto m = Memory::create(mem_type(1, 4), StoreLimits{});
  ASSERT_TRUE(m.ok()) << m.status();
  Memory& mem = **m;
  uint8_t* base = mem.base();
  EXPECT_EQ(mem.pages(), 1u);
  EXPECT_EQ(mem.size_bytes(), abi::kWasmPageSize);
  EXPECT_EQ(mem.vm()->base, base);
  EXPECT_EQ(mem.vm()->size, abi::kWasmPageSize);
  base[0] = 7;
  base[abi::kWasmPageSize - 1] = 9;

  EXPECT_EQ(mem.grow(2), 1);
  EXPECT_EQ(mem.pages(), 3u);
  EXPECT_EQ(mem.base(), base);  // never moves
  EXPECT_EQ(base[0], 7);
  EXPECT_EQ(base[abi::kWasmPageSize - 1], 9);
  EXPECT_EQ(base[2 * abi::kWasmPageSize + 5], 0);  // new pages read as zero
  base[3 * abi::kWasmPageSize - 1] = 1;

  EXPECT_EQ(mem.grow(0), 3);
  EXPECT_EQ(mem.grow(2), -1);  // beyond the declared max
  EXPECT_EQ(mem.grow(1), 3);
  EXPECT_EQ(mem.pages(), 4u);
  EXPECT_EQ(mem.grow(1), -1);
}

// The kernel reports EFAULT instead of faulting when write(2) reads from an inaccessible
// buffer: a signal-free probe of which pages are read-write.
bool readable(const uint8_t* p) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  ssize_t n = write(fds[1], p, 1);
  close(fds[0]);
  close(fds[1]);
  return n == 1;
}

TEST(Memory, EverythingPastSizeIsInaccessibleUpToTheReservationEnd) {
  auto m = Memory::create(mem_type(1), StoreLimits{});
  ASSERT_TRUE(m.ok());
  uint8_t* base = (*m)->base();
  EXPECT_TRUE(readable(base));
  EXPECT_TRUE(readable(base + abi::kWasmPageSize - 1));
  EXPECT_FALSE(readable(base + abi::kWasmPageSize));
  EXPECT_FALSE(readable(base + (uint64_t{1} << 32)));
  EXPECT_FALSE(readable(base + abi::kMemory32Reservation - 1));
  ASSERT_EQ((*m)->grow(1), 1);
  EXPECT_TRUE(readable(base + abi::kWasmPageSize));
  EXPECT_FALSE(readable(base + 2 * abi::kWasmPageSize));
}

TEST(Memory, Memory32CapsAt65536PagesAndTheStoreLimit) {
  auto m = Memory::create(mem_type(0), StoreLimits{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->max_pages(), 65536u);
  EXPECT_EQ((*m)->grow(65537), -1);
  EXPECT_EQ((*m)->pages(), 0u);

  StoreLimits small;
  small.max_memory_pages = 3;
  auto capped = Memory::create(mem_type(1, 10), small);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ((*capped)->max_pages(), 3u);
  EXPECT_EQ((*capped)->grow(2), 1);
  EXPECT_EQ((*capped)->grow(1), -1);
  // The import-visible type keeps the declared max and reports the current size as min.
  EXPECT_EQ((*capped)->type().limits.min, 3u);
  EXPECT_EQ((*capped)->type().limits.max, std::optional<uint64_t>(10));

  auto too_big = Memory::create(mem_type(4), small);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(Memory, Memory64ReservesItsCappedMaximum) {
  StoreLimits limits;
  limits.max_memory_pages = 16;
  auto m = Memory::create(mem_type(1, std::nullopt, true), limits);
  ASSERT_TRUE(m.ok()) << m.status();
  Memory& mem = **m;
  EXPECT_TRUE(mem.is64());
  EXPECT_EQ(mem.max_pages(), 16u);
  uint8_t* base = mem.base();
  EXPECT_EQ(mem.grow(15), 1);
  EXPECT_EQ(mem.base(), base);
  base[16 * abi::kWasmPageSize - 1] = 3;
  EXPECT_EQ(mem.grow(1), -1);

  auto declared = Memory::create(mem_type(0, 2, true), StoreLimits{});
  ASSERT_TRUE(declared.ok());
  EXPECT_EQ((*declared)->max_pages(), 2u);
  EXPECT_EQ((*declared)->pages(), 0u);
  EXPECT_NE((*declared)->base(), nullptr);
  EXPECT_EQ((*declared)->grow(3), -1);
  EXPECT_EQ((*declared)->grow(2), 0);
}

TEST(Memory, DefaultMemory64LimitIs16GiB) {
  auto m = Memory::create(mem_type(0, std::nullopt, true), StoreLimits{});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->max_pages() * abi::kWasmPageSize, uint64_t{16} << 30);
}

TEST(Table, GrowsWithInitValueUpToItsCap) {
  TableType type;
  type.elem = ValType::kExternRef;
  type.limits.min = 2;
  type.limits.max = 5;
  int marker = 0;
  auto t = Table::create(type, &marker, StoreLimits{});
  ASSERT_TRUE(t.ok());
  Table& table = **t;
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.vm()->size, 2u);
  EXPECT_EQ(table.get(1), &marker);
  EXPECT_EQ(table.grow(3, nullptr), 2);
  EXPECT_EQ(table.vm()->elements, table.data());
  EXPECT_EQ(table.get(1), &marker);
  EXPECT_EQ(table.get(4), nullptr);
  EXPECT_EQ(table.grow(1, nullptr), -1);
  EXPECT_EQ(table.grow(0, nullptr), 5);
  EXPECT_EQ(table.type().limits.min, 5u);

  StoreLimits small;
  small.max_table_elements = 3;
  type.limits.max.reset();
  auto capped = Table::create(type, nullptr, small);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ((*capped)->grow(1, nullptr), 2);
  EXPECT_EQ((*capped)->grow(1, nullptr), -1);
  type.limits.min = 4;
  auto too_big = Table::create(type, nullptr, small);
  EXPECT_EQ(too_big.status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace ws::engine
