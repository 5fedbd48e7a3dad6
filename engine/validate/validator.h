// Validator: the spec's validation algorithm over a decoded Module; results in a side table.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"

namespace ws::engine {

// A structured control instruction (block, loop, if) and where its parts are.
struct BlockInfo {
  uint32_t begin = 0;        // offset of the block/loop/if opcode
  uint32_t else_offset = 0;  // offset of `else`, 0 if none
  uint32_t end = 0;          // offset of the matching `end`
};

// What validation learned about one defined function, for the code generator.
struct FunctionInfo {
  uint32_t max_stack = 0;  // highest operand stack height
  uint32_t max_depth = 0;  // deepest control nesting, the function's own block included
  uint32_t num_instructions = 0;
  bool uses_simd = false;         // has a 0xFD-prefixed instruction
  std::vector<BlockInfo> blocks;  // in order of their opening instruction
};

struct ModuleInfo {
  std::vector<FunctionInfo> functions;  // one per defined function (Module::codes)
  std::vector<bool> declared_refs;      // per function index: may be named by ref.func
};

// Validates `m` as the spec does. Errors are INVALID_ARGUMENT with messages of the form
// "function 12 ($name), offset 0x1f: type mismatch: expected i32, got f64" (the reason first
// worded as the spec's reference interpreter words it).
absl::StatusOr<ModuleInfo> validate_module(const Module& m, const Features& features = {});

}  // namespace ws::engine
