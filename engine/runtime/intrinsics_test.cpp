// The ws_rt_* intrinsics called as compiled code would, inside a guarded call: bounds checks
// that trap before writing, overlap-correct copies, segments and drops, growth.
#include "engine/runtime/intrinsics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "engine/runtime/fake_jit_test_util.h"
#include "engine/runtime/store.h"
#include "engine/runtime/traps.h"

namespace ws::engine {
namespace {

constexpr char kModule[] = R"((module
  (import "env" "h" (func $h))
  (memory $a 1 2)
  (memory $b 1)
  (memory $c i64 1)
  (table $t 4 6 funcref)
  (table $x 2 externref)
  (data $d "xyz")
  (elem $p func $h $h)
  (elem $q declare func $h)))";

class Intrinsics : public ::testing::Test {
 protected:
  void SetUp() override {
    FuncRecord* h = store_.create_host_function(
        {FuncType{}, [](Caller&, auto, auto) { return absl::OkStatus(); }, "h"});
    auto m = testing::assemble(kModule);
    ASSERT_NE(m, nullptr);
    std::vector<Extern> imports{Extern::of(h)};
    auto inst = store_.instantiate(m, testing::fake_code(*m, {}), imports);
    ASSERT_TRUE(inst.ok()) << inst.status();
    inst_ = *inst;
    ctx_ = inst_->vmctx();
  }

  // Runs `f` under a trap guard; returns the trap code, or nullopt when it returned.
  std::optional<TrapCode> guarded(std::function<void()> f) {
    runtime::GuardFrame frame;
    bool returned = runtime::call_guarded(
        frame, [](void* p) { (*static_cast<std::function<void()>*>(p))(); }, &f);
    if (returned) return std::nullopt;
    return frame.code;
  }

  uint8_t* mem(uint32_t i) { return inst_->memory(i)->base(); }

  Store store_;
  Instance* inst_ = nullptr;
  abi::VMContext* ctx_ = nullptr;
};

constexpr std::optional<TrapCode> kMemTrap = TrapCode::kOutOfBoundsMemory;
constexpr std::optional<TrapCode> kTableTrap = TrapCode::kOutOfBoundsTable;

TEST_F(Intrinsics, TrapRecordsItsCode) {
  EXPECT_EQ(guarded([&] { ws_rt_trap(ctx_, static_cast<int32_t>(TrapCode::kNullReference)); }),
            TrapCode::kNullReference);
  // The prologue slow path: stack exhaustion, unless an interrupt is pending.
  EXPECT_EQ(guarded([&] { ws_rt_interrupted(ctx_); }), TrapCode::kCallStackExhausted);
  ctx_->store->interrupt = 1;
  EXPECT_EQ(guarded([&] { ws_rt_interrupted(ctx_); }), TrapCode::kInterrupted);
  ctx_->store->interrupt = 0;
  EXPECT_EQ(runtime::current_guard(), nullptr);
}

TEST_F(Intrinsics, MemoryFillChecksBoundsBeforeWriting) {
  EXPECT_EQ(guarded([&] { ws_rt_memory_fill(ctx_, 0, 10, 0xAB, 5); }), std::nullopt);
  EXPECT_EQ(mem(0)[10], 0xAB);
  EXPECT_EQ(mem(0)[14], 0xAB);
  EXPECT_EQ(mem(0)[15], 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_fill(ctx_, 0, 65530, 1, 7); }), kMemTrap);
  EXPECT_EQ(mem(0)[65530], 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_fill(ctx_, 0, 65536, 1, 0); }), std::nullopt);
  EXPECT_EQ(guarded([&] { ws_rt_memory_fill(ctx_, 0, 65537, 1, 0); }), kMemTrap);
  EXPECT_EQ(guarded([&] { ws_rt_memory_fill(ctx_, 2, int64_t{1} << 32, 1, 1); }), kMemTrap);
  EXPECT_EQ(guarded([&] { ws_rt_memory_fill(ctx_, 2, 1, 1, -1); }), kMemTrap);  // 2^64 - 1
}

TEST_F(Intrinsics, MemoryCopyHandlesOverlapAndTwoMemories) {
  std::memcpy(mem(0), "abcdef", 6);
  EXPECT_EQ(guarded([&] { ws_rt_memory_copy(ctx_, 0, 0, 2, 0, 4); }), std::nullopt);
  EXPECT_EQ(std::memcmp(mem(0), "ababcd", 6), 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_copy(ctx_, 0, 0, 0, 2, 4); }), std::nullopt);
  EXPECT_EQ(std::memcmp(mem(0), "abcdcd", 6), 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_copy(ctx_, 1, 0, 100, 0, 3); }), std::nullopt);
  EXPECT_EQ(std::memcmp(mem(1) + 100, "abc", 3), 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_copy(ctx_, 1, 0, 0, 65535, 2); }), kMemTrap);
  EXPECT_EQ(guarded([&] { ws_rt_memory_copy(ctx_, 1, 0, 65535, 0, 2); }), kMemTrap);
  EXPECT_EQ(mem(1)[0], 0);
  EXPECT_EQ(mem(1)[65535], 0);
}

TEST_F(Intrinsics, MemoryInitAndDataDrop) {
  EXPECT_EQ(guarded([&] { ws_rt_memory_init(ctx_, 1, 0, 200, 1, 2); }), std::nullopt);
  EXPECT_EQ(std::memcmp(mem(1) + 200, "yz", 2), 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_init(ctx_, 1, 0, 0, 2, 2); }), kMemTrap);
  EXPECT_EQ(guarded([&] { ws_rt_memory_init(ctx_, 1, 0, 65535, 0, 2); }), kMemTrap);
  EXPECT_EQ(mem(1)[65535], 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_init(ctx_, 2, 0, 65533, 0, 3); }), std::nullopt);
  EXPECT_EQ(std::memcmp(mem(2) + 65533, "xyz", 3), 0);
  ws_rt_data_drop(ctx_, 0);
  EXPECT_EQ(guarded([&] { ws_rt_memory_init(ctx_, 0, 0, 0, 0, 0); }), std::nullopt);
  EXPECT_EQ(guarded([&] { ws_rt_memory_init(ctx_, 0, 0, 0, 0, 1); }), kMemTrap);
}

TEST_F(Intrinsics, MemoryGrow) {
  EXPECT_EQ(ws_rt_memory_grow(ctx_, 0, 1), 1);
  EXPECT_EQ(ws_rt_memory_grow(ctx_, 0, 1), -1);
  EXPECT_EQ(ws_rt_memory_grow(ctx_, 0, 0), 2);
  EXPECT_EQ(ctx_->memories[0]->size, 2 * abi::kWasmPageSize);
  EXPECT_EQ(ws_rt_memory_grow(ctx_, 1, 65536), -1);
  EXPECT_EQ(ws_rt_memory_grow(ctx_, 2, 3), 1);
}

TEST_F(Intrinsics, TableAccessGrowAndFill) {
  void* h = inst_->func(0)->vm();
  EXPECT_EQ(ws_rt_table_size(ctx_, 0), 4);
  EXPECT_EQ(guarded([&] { ws_rt_table_set(ctx_, 0, 3, h); }), std::nullopt);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 3), h);
  EXPECT_EQ(guarded([&] { ws_rt_table_get(ctx_, 0, 4); }), kTableTrap);
  EXPECT_EQ(guarded([&] { ws_rt_table_set(ctx_, 0, -1, h); }), kTableTrap);
  EXPECT_EQ(ws_rt_table_grow(ctx_, 0, h, 2), 4);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 5), h);
  EXPECT_EQ(ws_rt_table_grow(ctx_, 0, nullptr, 1), -1);
  EXPECT_EQ(ctx_->tables[0]->size, 6u);
  EXPECT_EQ(guarded([&] { ws_rt_table_fill(ctx_, 0, 0, nullptr, 6); }), std::nullopt);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 5), nullptr);
  EXPECT_EQ(guarded([&] { ws_rt_table_fill(ctx_, 0, 5, h, 2); }), kTableTrap);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 5), nullptr);
  int marker = 0;
  EXPECT_EQ(ws_rt_table_grow(ctx_, 1, &marker, 1), 2);
  EXPECT_EQ(ws_rt_table_get(ctx_, 1, 2), &marker);
}

TEST_F(Intrinsics, TableCopyInitAndElemDrop) {
  void* h = inst_->func(0)->vm();
  EXPECT_EQ(guarded([&] { ws_rt_table_init(ctx_, 0, 0, 1, 0, 2); }), std::nullopt);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 0), nullptr);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 1), h);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 2), h);
  EXPECT_EQ(guarded([&] { ws_rt_table_copy(ctx_, 0, 0, 2, 1, 2); }), std::nullopt);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 3), h);
  EXPECT_EQ(guarded([&] { ws_rt_table_copy(ctx_, 0, 0, 0, 1, 1); }), std::nullopt);
  EXPECT_EQ(ws_rt_table_get(ctx_, 0, 0), h);
  EXPECT_EQ(guarded([&] { ws_rt_table_copy(ctx_, 0, 0, 3, 0, 2); }), kTableTrap);
  EXPECT_EQ(guarded([&] { ws_rt_table_init(ctx_, 0, 0, 3, 0, 2); }), kTableTrap);
  EXPECT_EQ(guarded([&] { ws_rt_table_init(ctx_, 0, 0, 0, 1, 2); }), kTableTrap);
  // The declarative segment was dropped at instantiation; the passive one is dropped here.
  EXPECT_EQ(guarded([&] { ws_rt_table_init(ctx_, 0, 1, 0, 0, 1); }), kTableTrap);
  EXPECT_EQ(guarded([&] { ws_rt_table_init(ctx_, 0, 1, 0, 0, 0); }), std::nullopt);
  ws_rt_elem_drop(ctx_, 0);
  EXPECT_EQ(guarded([&] { ws_rt_table_init(ctx_, 0, 0, 0, 0, 1); }), kTableTrap);
}

TEST(IntrinsicTable, ListsTheFunctionsInDefOrder) {
  const auto& table = runtime_intrinsics();
  EXPECT_EQ(table.size(), 16u);
  EXPECT_EQ(table[0], reinterpret_cast<void*>(&ws_rt_trap));
  EXPECT_EQ(table.back(), reinterpret_cast<void*>(&ws_rt_host_call));
  for (void* p : table) EXPECT_NE(p, nullptr);
}

TEST(IntrinsicsDeathTest, TrappingOutsideAGuardedCallAborts) {
  EXPECT_DEATH(ws_rt_trap(nullptr, 0), "outside a guarded Wasm call");
}

}  // namespace
}  // namespace ws::engine
