// An extern: a function, table, memory or global that one instance exports or the host made.
#pragma once

#include "engine/ast/types.h"
#include "engine/runtime/func.h"
#include "engine/runtime/memory.h"
#include "engine/runtime/table.h"

namespace ws::engine {

// Exactly the pointer named by `kind` is set. Pointers stay valid while their store lives.
struct Extern {
  ExternKind kind = ExternKind::kFunc;
  FuncRecord* func = nullptr;
  Table* table = nullptr;
  Memory* memory = nullptr;
  GlobalCell* global = nullptr;

  static Extern of(FuncRecord* f) { return {ExternKind::kFunc, f, nullptr, nullptr, nullptr}; }
  static Extern of(Table* t) { return {ExternKind::kTable, nullptr, t, nullptr, nullptr}; }
  static Extern of(Memory* m) { return {ExternKind::kMemory, nullptr, nullptr, m, nullptr}; }
  static Extern of(GlobalCell* g) { return {ExternKind::kGlobal, nullptr, nullptr, nullptr, g}; }
};

}  // namespace ws::engine
