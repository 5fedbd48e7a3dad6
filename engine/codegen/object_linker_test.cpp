// The code linker on objects LLVM emits from hand-written IR: cross-object calls, constants and
// jump tables in read-only data, import stubs and slots, GOT references, and the relocations and
// sections it must refuse.
#include "engine/codegen/object_linker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Support/raw_ostream.h>

#include <cmath>

#include "engine/codegen/ir_test_util.h"

namespace ws::engine::codegen {
namespace {

using ::testing::HasSubstr;

// Compiles textual IR into an x86-64 PIC ELF object the way compile_eager does.
std::string object_from_ir(const std::string& ir) {
  HostIr h = parse_host_ir(ir);
  if (!h.mod) return {};
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  EXPECT_FALSE(h.tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile));
  pm.run(*h.mod);
  return std::string(buffer.data(), buffer.size());
}

Module two_functions() {
  Module m;
  m.functions = {0, 0};
  m.codes.resize(2);
  return m;
}

// ws_f0: a switch (jump table), a double constant, a call into the other object; the address
// of fmod through the GOT (an import slot) and of ws_f1 through a GOT entry of our own.
constexpr char kFirst[] = R"(
target triple = "x86_64-pc-linux-gnu"
declare hidden i32 @ws_f1(i32)
declare double @fmod(double, double)
define hidden i32 @ws_f0(i32 %x) nounwind {
entry:
  switch i32 %x, label %other [ i32 0, label %a  i32 1, label %b  i32 2, label %c
                                i32 3, label %d  i32 4, label %e  i32 5, label %f ]
a: br label %done
b: br label %done
c: br label %done
d: br label %done
e: br label %done
f: br label %done
other: br label %done
done:
  %base = phi i32 [ 11, %a ], [ 22, %b ], [ 33, %c ], [ 44, %d ], [ 55, %e ], [ 66, %f ], [ 0, %other ]
  %fx = sitofp i32 %x to double
  %scaled = fmul double %fx, 2.5
  %si = fptosi double %scaled to i32
  %called = call i32 @ws_f1(i32 %x)
  %s1 = add i32 %base, %si
  %s2 = add i32 %s1, %called
  ret i32 %s2
}
define ptr @fmod_address() nounwind {
  ret ptr @fmod
}
define hidden ptr @ws_f1_address() nounwind {
  %p = call ptr asm "movq ws_f1@GOTPCREL(%rip), $0", "=r"()
  ret ptr %p
}
)";

// ws_f1: x * 3 after a memset the optimiser cannot drop (an import stub call).
constexpr char kSecond[] = R"(
target triple = "x86_64-pc-linux-gnu"
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
define hidden i32 @ws_f1(i32 %x) nounwind {
  %buf = alloca [256 x i8], align 16
  %n = zext i32 %x to i64
  %len = add i64 %n, 100
  call void @llvm.memset.p0.i64(ptr %buf, i8 1, i64 %len, i1 true)
  %p = getelementptr i8, ptr %buf, i64 3
  %v = load volatile i8, ptr %p
  %w = zext i8 %v to i32
  %r = mul i32 %x, 3
  %s = add i32 %r, %w
  %t = sub i32 %s, 1
  ret i32 %t
}
)";

TEST(ObjectLinker, LinksCallsConstantsJumpTablesStubsAndGotSlots) {
  std::string first = object_from_ir(kFirst), second = object_from_ir(kSecond);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  Module m = two_functions();
  std::vector<std::string_view> objects{first, second};
  absl::StatusOr<CodeImage> image = link_objects(objects, m);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_THAT(image->imports, ::testing::UnorderedElementsAre("fmod", "memset"));
  EXPECT_EQ(image->local_slots.size(), 1u);
  EXPECT_GT(image->bytes.size(), image->code_size);  // the jump table and constant: rodata
  ASSERT_EQ(image->functions.size(), 2u);
  EXPECT_LT(image->ranges[0].start, image->ranges[0].end);

  auto code = load_code_image(*image);
  ASSERT_TRUE(code.ok()) << code.status();
  auto f0 = reinterpret_cast<int32_t (*)(int32_t)>((*code)->functions[0]);
  auto f1 = reinterpret_cast<int32_t (*)(int32_t)>((*code)->functions[1]);
  EXPECT_EQ(f1(5), 15);
  for (int32_t x : {0, 1, 2, 3, 4, 5, 9}) {
    int32_t base = x <= 5 ? 11 * (x + 1) : 0;
    EXPECT_EQ(f0(x), base + static_cast<int32_t>(x * 2.5) + 3 * x) << x;
  }
}

TEST(ObjectLinker, ImportSlotAndLocalGotEntryHoldTheRightAddresses) {
  std::string first = object_from_ir(kFirst), second = object_from_ir(kSecond);
  Module m = two_functions();
  std::vector<std::string_view> objects{first, second};
  absl::StatusOr<CodeImage> image = link_objects(objects, m);
  ASSERT_TRUE(image.ok()) << image.status();
  // fmod_address and ws_f1_address are not wasm symbols: find them through their neighbours'
  // code by linking a variant that exports them as wasm functions 2 and 3.
  std::string ir = kFirst;
  for (auto [from, to] :
       {std::pair{"@fmod_address", "@ws_f2"}, std::pair{"@ws_f1_address", "@ws_f3"}}) {
    ir.replace(ir.find(from), std::string(from).size(), to);
  }
  std::string renamed = object_from_ir(ir);
  Module m4;
  m4.functions = {0, 0, 0, 0};
  m4.codes.resize(4);
  std::vector<std::string_view> objects4{renamed, second};
  absl::StatusOr<CodeImage> image4 = link_objects(objects4, m4);
  ASSERT_TRUE(image4.ok()) << image4.status();
  auto code = load_code_image(*image4);
  ASSERT_TRUE(code.ok()) << code.status();
  auto fmod_address = reinterpret_cast<void* (*)()>((*code)->functions[2]);
  auto f1_address = reinterpret_cast<void* (*)()>((*code)->functions[3]);
  EXPECT_EQ(fmod_address(), resolve_image_import("fmod"));
  EXPECT_EQ(f1_address(), (*code)->functions[1]);
}

TEST(ObjectLinker, RefusesAbsoluteRelocationsWritableDataAndMissingSymbols) {
  std::string absolute = object_from_ir(R"(
target triple = "x86_64-pc-linux-gnu"
define hidden ptr @ws_f0() nounwind {
  %p = call ptr asm "movabsq $$ws_f0, $0", "=r"()
  ret ptr %p
}
define hidden void @ws_f1() nounwind { ret void }
)");
  Module m = two_functions();
  std::vector<std::string_view> one{absolute};
  absl::StatusOr<CodeImage> image = link_objects(one, m);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(image.status().message(), HasSubstr("R_X86_64_64"));

  std::string writable = object_from_ir(R"(
target triple = "x86_64-pc-linux-gnu"
@counter = internal global i32 5
define hidden i32 @ws_f0() nounwind {
  %v = load i32, ptr @counter
  store i32 6, ptr @counter
  ret i32 %v
}
define hidden void @ws_f1() nounwind { ret void }
)");
  one = {writable};
  image = link_objects(one, m);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(image.status().message(), HasSubstr("writable section"));

  std::string second = object_from_ir(kSecond);
  one = {second};  // ws_f0 is defined nowhere
  image = link_objects(one, m);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInternal);

  std::vector<std::string_view> garbage{"not an object"};
  image = link_objects(garbage, m);
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ws::engine::codegen
