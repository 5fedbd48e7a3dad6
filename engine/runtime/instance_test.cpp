// Instantiation of modules without code: globals, memories, tables, segments (including the
// spec's partial-failure semantics), exports, the linker and import type checks.
#include "engine/runtime/instance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "engine/runtime/fake_jit_test_util.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/runtime/type_registry.h"
#include "engine/runtime/value.h"

namespace ws::engine {
namespace {

using testing::assemble;
using ::testing::HasSubstr;

absl::StatusOr<Instance*> instantiate(Store& store, const std::string& wat,
                                      std::vector<Extern> imports = {}) {
  auto m = assemble(wat);
  if (m == nullptr) return absl::InternalError("assembly failed");
  std::shared_ptr<const CompiledCode> code;
  if (m->num_imported_funcs > 0) code = testing::fake_code(*m, {});
  return store.instantiate(m, code, imports);
}

TEST(Instantiate, GlobalsAreInitialisedInOrder) {
  Store store;
  GlobalCell* imported = store.create_global({ValType::kI32, false}, raw_i32(40));
  auto inst = instantiate(store, R"((module
    (import "env" "g" (global i32))
    (global $a i32 (i32.add (global.get 0) (i32.const 2)))
    (global $b (mut i64) (i64.mul (i64.const 3) (i64.sub (i64.const 10) (i64.const 4))))
    (global $c f64 (f64.const 1.5))
    (global $d externref (ref.null extern))
    (global $e v128 (v128.const i32x4 1 2 3 4))
    (export "a" (global $a)) (export "b" (global $b)) (export "c" (global $c))
    (export "d" (global $d)) (export "e" (global $e)) (export "g" (global 0))))",
                          {Extern::of(imported)});
  ASSERT_TRUE(inst.ok()) << inst.status();
  Instance& i = **inst;
  EXPECT_EQ(raw_as_i32(i.find_export("a")->global->get()), 42);
  EXPECT_EQ(raw_as_i64(i.find_export("b")->global->get()), 18);
  EXPECT_TRUE(i.find_export("b")->global->type().mut);
  EXPECT_EQ(raw_as_f64(i.find_export("c")->global->get()), 1.5);
  EXPECT_EQ(raw_as_ref(i.find_export("d")->global->get()), nullptr);
  abi::RawValue e = i.find_export("e")->global->get();
  EXPECT_EQ(raw_as<uint32_t>(e), 1u);
  EXPECT_EQ(e.bytes[12], 4);
  EXPECT_EQ(i.find_export("g")->global, imported);  // imports alias the exporter's cell
  EXPECT_EQ(i.vmctx()->globals[0], imported->vm());
  EXPECT_FALSE(i.find_export("missing").has_value());
}

TEST(Instantiate, DataSegmentsInitialiseMemory) {
  Store store;
  auto inst = instantiate(store, R"((module
    (memory (export "m") 1 3)
    (memory $m64 (export "m64") i64 1)
    (data (i32.const 10) "hello")
    (data (memory $m64) (i64.const 65530) "64bit")
    (data "passive")))");
  ASSERT_TRUE(inst.ok()) << inst.status();
  Memory* m = (*inst)->find_export("m")->memory;
  EXPECT_EQ(std::memcmp(m->base() + 10, "hello", 5), 0);
  EXPECT_EQ(m->base()[9], 0);
  EXPECT_EQ(m->type().limits.max, std::optional<uint64_t>(3));
  Memory* m64 = (*inst)->find_export("m64")->memory;
  EXPECT_TRUE(m64->is64());
  EXPECT_EQ(std::memcmp(m64->base() + 65530, "64bit", 5), 0);
  EXPECT_EQ((*inst)->vmctx()->memories[1], m64->vm());
}

TEST(Instantiate, ElementSegmentsFillTablesWithFunctionRecords) {
  Store store;
  FuncRecord* host = store.create_host_function(
      {FuncType{}, [](Caller&, auto, auto) { return absl::OkStatus(); }, "h"});
  auto inst = instantiate(store, R"((module
    (import "env" "h" (func $h))
    (table $t (export "t") 4 funcref)
    (table $x (export "x") 2 externref)
    (elem (table $t) (i32.const 1) func $h $h)
    (elem (table $x) (i32.const 0) externref (ref.null extern))
    (elem $p funcref (ref.func $h) (ref.null func))
    (elem declare func $h)
    (export "h" (func $h))))",
                          {Extern::of(host)});
  ASSERT_TRUE(inst.ok()) << inst.status();
  Instance& i = **inst;
  Table* t = i.find_export("t")->table;
  EXPECT_EQ(t->get(0), nullptr);
  ASSERT_NE(t->get(1), nullptr);
  EXPECT_EQ(t->get(1), t->get(2));
  EXPECT_EQ(t->get(3), nullptr);
  // The import got its own binding: this module's adapter, context = the record itself.
  FuncRecord* bound = FuncRecord::from_vm(t->get(1));
  EXPECT_EQ(bound, i.func(0));
  EXPECT_EQ(i.find_export("h")->func, bound);
  EXPECT_NE(bound, host);
  EXPECT_EQ(bound->ref.code, testing::void_host_adapter());
  EXPECT_EQ(bound->ref.vmctx, bound);
  EXPECT_EQ(bound->instance, &i);
  EXPECT_EQ(bound->ref.type_id, canonical_type_id(FuncType{}));
  EXPECT_EQ(i.vmctx()->tables[0], t->vm());
  EXPECT_EQ(i.vmctx()->type_ids[0], canonical_type_id(FuncType{}));
}

TEST(Instantiate, AnOutOfBoundsDataSegmentFailsButEarlierWritesStay) {
  Store store;
  auto mem = store.create_memory(MemoryType{Limits{1, std::nullopt, false, false}});
  ASSERT_TRUE(mem.ok());
  auto inst = instantiate(store, R"((module
    (import "env" "m" (memory 1))
    (data (i32.const 0) "first")
    (data (i32.const 65534) "past the end")
    (data (i32.const 100) "never")))",
                          {Extern::of(*mem)});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(inst.status().message(), "out of bounds memory access");
  EXPECT_EQ(std::memcmp((*mem)->base(), "first", 5), 0);
  EXPECT_EQ((*mem)->base()[65534], 0);  // bounds are checked before anything is written
  EXPECT_EQ((*mem)->base()[100], 0);
}

TEST(Instantiate, AnOutOfBoundsElemSegmentFailsBeforeDataSegments) {
  Store store;
  auto table = store.create_table(TableType{ValType::kFuncRef, Limits{2, std::nullopt}});
  auto mem = store.create_memory(MemoryType{Limits{1, std::nullopt}});
  ASSERT_TRUE(table.ok() && mem.ok());
  FuncRecord* host = store.create_host_function(
      {FuncType{}, [](Caller&, auto, auto) { return absl::OkStatus(); }, "h"});
  auto inst = instantiate(store, R"((module
    (import "env" "h" (func $h))
    (import "env" "t" (table 1 funcref))
    (import "env" "m" (memory 1))
    (elem (i32.const 0) $h)
    (elem (i32.const 2) $h)
    (data (i32.const 0) "data")))",
                          {Extern::of(host), Extern::of(*table), Extern::of(*mem)});
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().message(), "out of bounds table access");
  // The first segment's function stays callable through the table (the failed instance is
  // kept alive by the store).
  ASSERT_NE((*table)->get(0), nullptr);
  EXPECT_EQ(FuncRecord::from_vm((*table)->get(0))->host->name, "h");
  EXPECT_EQ((*mem)->base()[0], 0);
}

TEST(Instantiate, EmptyActiveSegmentPastTheEndStillTraps) {
  Store store;
  auto inst = instantiate(store, R"((module (memory 1) (data (i32.const 65537) "")))");
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.status().message(), "out of bounds memory access");
  auto at_end = instantiate(store, R"((module (memory 1) (data (i32.const 65536) "")))");
  EXPECT_TRUE(at_end.ok()) << at_end.status();
}

TEST(Instantiate, StoreLimitsBoundMemoriesAndTables) {
  StoreLimits limits;
  limits.max_memory_pages = 2;
  limits.max_table_elements = 10;
  Store store(limits);
  auto mem = instantiate(store, "(module (memory 3))");
  EXPECT_EQ(mem.status().code(), absl::StatusCode::kResourceExhausted);
  auto table = instantiate(store, "(module (table 11 funcref))");
  EXPECT_EQ(table.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(instantiate(store, "(module (memory 2) (table 10 funcref))").ok());
}

class ImportTypes : public ::testing::Test {
 protected:
  std::string link_error(const std::string& wat, Extern e) {
    auto inst = instantiate(store_, wat, {e});
    EXPECT_FALSE(inst.ok()) << wat;
    if (inst.ok()) return "";
    EXPECT_EQ(inst.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(inst.status().message()), HasSubstr("incompatible import type"));
    return std::string(inst.status().message());
  }
  bool links(const std::string& wat, Extern e) {
    auto inst = instantiate(store_, wat, {e});
    EXPECT_TRUE(inst.ok()) << wat << ": " << inst.status();
    return inst.ok();
  }
  Store store_;
};

TEST_F(ImportTypes, Memories) {
  Memory* m = *store_.create_memory(MemoryType{Limits{2, 4}});
  EXPECT_TRUE(links(R"((module (import "a" "b" (memory 1))))", Extern::of(m)));
  EXPECT_TRUE(links(R"((module (import "a" "b" (memory 2 4))))", Extern::of(m)));
  EXPECT_TRUE(links(R"((module (import "a" "b" (memory 0 5))))", Extern::of(m)));
  EXPECT_THAT(link_error(R"((module (import "a" "b" (memory 3))))", Extern::of(m)),
              HasSubstr("\"a\" \"b\""));
  link_error(R"((module (import "a" "b" (memory 1 3))))", Extern::of(m));
  link_error(R"((module (import "a" "b" (memory i64 1))))", Extern::of(m));
  Memory* unbounded = *store_.create_memory(MemoryType{Limits{2, std::nullopt}});
  link_error(R"((module (import "a" "b" (memory 1 10))))", Extern::of(unbounded));
  // Growth counts: the current size is the minimum that is matched.
  ASSERT_EQ(m->grow(1), 2);
  EXPECT_TRUE(links(R"((module (import "a" "b" (memory 3 4))))", Extern::of(m)));
}

TEST_F(ImportTypes, Tables) {
  Table* t = *store_.create_table(TableType{ValType::kFuncRef, Limits{3, 8}});
  EXPECT_TRUE(links(R"((module (import "a" "t" (table 2 8 funcref))))", Extern::of(t)));
  link_error(R"((module (import "a" "t" (table 2 externref))))", Extern::of(t));
  link_error(R"((module (import "a" "t" (table 4 funcref))))", Extern::of(t));
  link_error(R"((module (import "a" "t" (table 1 7 funcref))))", Extern::of(t));
}

TEST_F(ImportTypes, GlobalsFunctionsAndKinds) {
  GlobalCell* g = store_.create_global({ValType::kI32, true}, raw_i32(1));
  EXPECT_TRUE(links(R"((module (import "a" "g" (global (mut i32)))))", Extern::of(g)));
  link_error(R"((module (import "a" "g" (global i32))))", Extern::of(g));
  link_error(R"((module (import "a" "g" (global (mut i64)))))", Extern::of(g));
  FuncType i32_to_i32{{ValType::kI32, ValType::kI32}, 1};
  FuncRecord* f = store_.create_host_function(
      {i32_to_i32, [](Caller&, auto, auto) { return absl::OkStatus(); }, "f"});
  EXPECT_TRUE(links(R"((module (import "a" "f" (func (param i32) (result i32)))))", Extern::of(f)));
  link_error(R"((module (import "a" "f" (func (param i32)))))", Extern::of(f));
  EXPECT_THAT(link_error(R"((module (import "a" "f" (global i32))))", Extern::of(f)),
              HasSubstr("expected global, got func"));
  auto count = instantiate(store_, R"((module (import "a" "f" (global i32))))", {});
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Linker, ResolvesImportsByModuleAndName) {
  Store store;
  auto exporter = instantiate(store, R"((module
    (memory (export "mem") 1) (global (export "g") i32 (i32.const 5))))");
  ASSERT_TRUE(exporter.ok());
  Linker linker;
  linker.define_instance("lib", **exporter);
  GlobalCell* host = store.create_global({ValType::kI64, false}, raw_i64(9));
  linker.define("env", "x", Extern::of(host));
  auto m = assemble(R"((module
    (import "env" "x" (global i64))
    (import "lib" "mem" (memory 1))
    (import "lib" "g" (global i32))
    (global (export "sum") i64 (i64.add (global.get 0) (i64.const 1)))))");
  ASSERT_NE(m, nullptr);
  auto imports = linker.resolve(*m);
  ASSERT_TRUE(imports.ok()) << imports.status();
  ASSERT_EQ(imports->size(), 3u);
  EXPECT_EQ((*imports)[0].global, host);
  EXPECT_EQ((*imports)[1].memory, (*exporter)->find_export("mem")->memory);
  auto inst = store.instantiate(m, nullptr, *imports);
  ASSERT_TRUE(inst.ok()) << inst.status();
  EXPECT_EQ(raw_as_i64((*inst)->find_export("sum")->global->get()), 10);

  auto missing = assemble(R"((module (import "lib" "nope" (func))))");
  auto r = linker.resolve(*missing);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unknown import \"lib\" \"nope\""));
}

}  // namespace
}  // namespace ws::engine
