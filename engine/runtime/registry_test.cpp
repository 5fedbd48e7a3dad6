// Canonical type ids and the JIT code registry.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "engine/runtime/code_registry.h"
#include "engine/runtime/type_registry.h"

namespace ws::engine {
namespace {

FuncType sig(std::vector<ValType> params, std::vector<ValType> results) {
  FuncType t;
  t.num_params = static_cast<uint32_t>(params.size());
  t.types = params;
  t.types.insert(t.types.end(), results.begin(), results.end());
  return t;
}

TEST(TypeRegistry, EqualSignaturesShareAnIdAndDifferentOnesDoNot) {
  using V = ValType;
  uint32_t a = canonical_type_id(sig({V::kI32}, {V::kI64}));
  EXPECT_NE(a, 0u);
  EXPECT_EQ(canonical_type_id(sig({V::kI32}, {V::kI64})), a);
  // Same value types, different split between params and results.
  EXPECT_NE(canonical_type_id(sig({V::kI32, V::kI64}, {})), a);
  EXPECT_NE(canonical_type_id(sig({}, {V::kI32, V::kI64})), a);
  EXPECT_NE(canonical_type_id(sig({V::kI64}, {V::kI32})), a);
  EXPECT_NE(canonical_type_id(sig({}, {})), canonical_type_id(sig({V::kFuncRef}, {})));
}

TEST(TypeRegistry, IdsAgreeAcrossThreads) {
  std::vector<FuncType> types;
  for (int i = 0; i < 50; ++i) {
    types.push_back(sig(std::vector<ValType>(i % 7, ValType::kF64),
                        std::vector<ValType>(i / 7, ValType::kExternRef)));
  }
  std::vector<std::vector<uint32_t>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (const FuncType& ft : types) ids[t].push_back(canonical_type_id(ft));
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(ids[t], ids[0]);
  EXPECT_EQ(std::set<uint32_t>(ids[0].begin(), ids[0].end()).size(), types.size());
}

TEST(CodeRegistry, RegisteredRangesAreFoundUntilUnregistered) {
  static const char code[64] = {};
  auto base = reinterpret_cast<uintptr_t>(code);
  Module m;
  {
    auto reg = runtime::register_code(&m, {{base, base + 16, 3}, {base + 16, base + 40, 4}});
    runtime::CodeLocation loc;
    ASSERT_TRUE(runtime::find_code(base, loc));
    EXPECT_EQ(loc.func_index, 3u);
    EXPECT_EQ(loc.module, &m);
    ASSERT_TRUE(runtime::find_code(base + 39, loc));
    EXPECT_EQ(loc.func_index, 4u);
    EXPECT_FALSE(runtime::find_code(base + 40, loc));
    EXPECT_FALSE(runtime::find_code(base - 1, loc));
    EXPECT_TRUE(runtime::is_wasm_code(base + 15));
  }
  EXPECT_FALSE(runtime::is_wasm_code(base));
}

TEST(CodeRegistry, CompiledCodeIsRegisteredOncePerCodeObject) {
  static const char text[32] = {};
  auto base = reinterpret_cast<uintptr_t>(text);
  auto code = std::make_shared<CompiledCode>();
  code->ranges.push_back({base, base + 32});
  auto module = std::make_shared<Module>();
  module->num_imported_funcs = 2;  // defined function 0 is function index 2
  auto a = runtime::acquire_code(code, module);
  auto b = runtime::acquire_code(code, module);
  EXPECT_EQ(a.get(), b.get());
  runtime::CodeLocation loc;
  ASSERT_TRUE(runtime::find_code(base + 5, loc));
  EXPECT_EQ(loc.func_index, 2u);
  a.reset();
  EXPECT_TRUE(runtime::is_wasm_code(base + 5));
  b.reset();
  EXPECT_FALSE(runtime::is_wasm_code(base + 5));
}

TEST(CodeRegistry, ConcurrentLookupsDuringRegistration) {
  static const char text[4096] = {};
  auto base = reinterpret_cast<uintptr_t>(text);
  auto keep = runtime::register_code(nullptr, {{base, base + 8, 0}});
  std::atomic<bool> stop{false};
  std::atomic<int> misses{0};
  std::thread reader([&] {
    while (!stop.load()) {
      if (!runtime::is_wasm_code(base + 4)) misses.fetch_add(1);
    }
  });
  for (uintptr_t i = 1; i < 500; ++i) {
    auto reg = runtime::register_code(nullptr, {{base + 8 * i, base + 8 * i + 8, 1}});
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(misses.load(), 0);
}

TEST(CodeRegistry, LiveRangesJoinTheRegistrationUntilItEnds) {
  static const char text[8192] = {};
  auto base = reinterpret_cast<uintptr_t>(text);
  auto code = std::make_shared<CompiledCode>();
  code->live_ranges = std::make_shared<LiveRanges>();
  code->live_ranges->add({7, {base, base + 8}});  // linked before the first instance
  auto module = std::make_shared<Module>();
  auto reg = runtime::acquire_code(code, module);
  runtime::CodeLocation loc;
  ASSERT_TRUE(runtime::find_code(base + 3, loc));
  EXPECT_EQ(loc.func_index, 7u);
  EXPECT_EQ(loc.module, module.get());
  // More than the registry's small "recent" part holds, in descending address order, while
  // another thread looks the first range up.
  std::atomic<bool> stop{false};
  std::atomic<int> misses{0};
  std::thread reader([&] {
    while (!stop.load()) {
      if (!runtime::is_wasm_code(base + 4)) misses.fetch_add(1);
    }
  });
  for (uint32_t i = 1000; i >= 1; --i) {
    code->live_ranges->add({i + 100, {base + 8 * i, base + 8 * i + 8}});
    ASSERT_TRUE(runtime::find_code(base + 8 * i + 7, loc));
    EXPECT_EQ(loc.func_index, i + 100);
  }
  stop.store(true);
  reader.join();
  EXPECT_EQ(misses.load(), 0);
  for (uint32_t i = 1; i <= 1000; ++i) {
    ASSERT_TRUE(runtime::find_code(base + 8 * i, loc));
    EXPECT_EQ(loc.func_index, i + 100);
  }
  EXPECT_FALSE(runtime::is_wasm_code(base + 8 * 1001));
  reg.reset();
  EXPECT_FALSE(runtime::is_wasm_code(base + 4));
  EXPECT_FALSE(runtime::is_wasm_code(base + 8 * 500));
  // A range linked while no instance holds the code is not registered, and the next
  // registration picks up everything linked so far.
  code->live_ranges->add({5000, {base + 8 * 1001, base + 8 * 1002}});
  EXPECT_FALSE(runtime::is_wasm_code(base + 8 * 1001));
  reg = runtime::acquire_code(code, module);
  ASSERT_TRUE(runtime::find_code(base + 8 * 1001, loc));
  EXPECT_EQ(loc.func_index, 5000u);
  ASSERT_TRUE(runtime::find_code(base + 8 * 300, loc));
  EXPECT_EQ(loc.func_index, 400u);
}

}  // namespace
}  // namespace ws::engine
