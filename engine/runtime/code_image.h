// A linked, position-independent machine-code image of one module (no LLVM types): what the
// codegen linker produces and what the JIT loader and the AOT artifact map into memory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/runtime/code.h"

namespace ws::engine {

// Layout once mapped at `base` (all offsets relative to base, all boundaries page aligned):
//
//   [0, code_size)                  text of every partition + import stubs      r-x
//   [code_size, bytes.size())       read-only data (constants, jump tables)     r--
//   [bytes.size(), + slot_area)     one 8-byte slot per import, then per local   r-- after fill
//                                   GOT entry (filled at load, then read-only)
//
// Every PC-relative reference inside the image is resolved at link time, so loading is a copy
// (or a file mapping) plus filling the slots: import slot i holds the address of imports[i]
// and local slot j the address base + local_slots[j].
struct CodeImage {
  static constexpr uint64_t kPageSize = 4096;

  std::vector<uint8_t> bytes;         // size is a multiple of kPageSize
  uint64_t code_size = 0;             // executable prefix of `bytes`, a multiple of kPageSize
  std::vector<std::string> imports;   // slot i: address of this symbol
  std::vector<uint64_t> local_slots;  // slot imports.size() + j: base + local_slots[j]

  std::vector<uint64_t> functions;      // entry of each defined function (Module::codes order)
  std::vector<uint64_t> trampolines;    // per type index
  std::vector<uint64_t> host_adapters;  // per imported function
  struct Range {
    uint64_t start = 0;
    uint64_t end = 0;
  };
  std::vector<Range> ranges;  // per defined function

  uint64_t num_slots() const { return imports.size() + local_slots.size(); }
  // Bytes of the slot area, rounded up to whole pages (at least one page when there are slots).
  uint64_t slot_area_size() const {
    return (num_slots() * 8 + kPageSize - 1) / kPageSize * kPageSize;
  }
};

// The address an import name resolves to: the runtime intrinsics (intrinsics.def) and the
// fixed set of libc functions LLVM may call (memcpy, fmod, ...). Null for any other name.
void* resolve_image_import(std::string_view name);

// Fills the slot area at `slots` (writable, slot_area_size() bytes) for an image of
// `image_size` bytes mapped at `base` (`image.bytes` itself is not used: a loaded artifact
// leaves it empty). INVALID_ARGUMENT naming the first import that is not allowed.
absl::Status fill_image_slots(const CodeImage& image, uint64_t image_size, uint8_t* base,
                              uint8_t* slots);

// Builds the CompiledCode entry points of `image` mapped at `base`; `owner` keeps it mapped.
std::shared_ptr<CompiledCode> code_from_image(const CodeImage& image, const uint8_t* base,
                                              std::shared_ptr<void> owner);

// Loads `image` into fresh anonymous memory (code r-x, constants and slots read-only) and
// returns the code; the mapping is released with the last holder of the result.
absl::StatusOr<std::shared_ptr<const CompiledCode>> load_code_image(const CodeImage& image);

}  // namespace ws::engine
