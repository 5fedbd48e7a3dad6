// Which machine code is JIT code: address ranges of compiled functions, readable without locks.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/ast/module.h"
#include "engine/runtime/code.h"

namespace ws::engine::runtime {

// A range of compiled code and the function it holds.
struct CodeRange {
  uintptr_t start = 0;
  uintptr_t end = 0;  // exclusive
  uint32_t func_index = 0;
};

// Keeps ranges registered; unregisters them when destroyed.
class CodeRegistration {
 public:
  explicit CodeRegistration(uint64_t id) : id_(id) {}
  ~CodeRegistration();
  CodeRegistration(const CodeRegistration&) = delete;
  CodeRegistration& operator=(const CodeRegistration&) = delete;

 private:
  uint64_t id_;
};

// Result of a lookup: the module the code belongs to (null when registered without one).
struct CodeLocation {
  const Module* module = nullptr;
  uint32_t func_index = 0;
};

// Registers `ranges` of functions of `module` (which must outlive the registration).
std::unique_ptr<CodeRegistration> register_code(const Module* module,
                                                std::vector<CodeRange> ranges);

// Registers the function ranges of `code` once per CompiledCode however many instances share
// it; the registration holds `code` and `module` alive and ends with the last holder. For lazily
// compiled code (code->live_ranges) it also registers each function linked later, before the
// function can run.
std::shared_ptr<CodeRegistration> acquire_code(std::shared_ptr<const CompiledCode> code,
                                               std::shared_ptr<const Module> module);

// Async-signal-safe lookups (no locks, no allocation). `pc` is an exact instruction address;
// for return addresses pass ret - 1.
bool is_wasm_code(uintptr_t pc);
bool find_code(uintptr_t pc, CodeLocation& out);

}  // namespace ws::engine::runtime
