// Store: host-created externs, invocation under the trap guard, backtrace symbolisation.
#include "engine/runtime/store.h"

#include <algorithm>
#include <exception>

#include "absl/strings/str_cat.h"
#include "engine/runtime/code_registry.h"
#include "engine/runtime/host_call.h"
#include "engine/runtime/traps.h"
#include "engine/runtime/type_registry.h"

namespace ws::engine {
namespace {

struct Entry {
  FuncRecord* func;
  abi::RawValue* slots;
};

void enter_wasm(void* arg) {
  auto* e = static_cast<Entry*>(arg);
  e->func->trampoline(e->func->ref.code, e->func->ref.vmctx, e->slots);
}

BacktraceFrame symbolize(uintptr_t pc) {
  BacktraceFrame frame;
  runtime::CodeLocation loc;
  if (!runtime::find_code(pc, loc)) return frame;
  frame.func_index = loc.func_index;
  if (loc.module != nullptr) {
    const NameSection& names = loc.module->names;
    auto it = names.functions.find(loc.func_index);
    if (it != names.functions.end()) frame.func_name = it->second;
    frame.module_name = names.module_name;
  }
  return frame;
}

Trap make_trap(const runtime::GuardFrame& frame) {
  Trap trap;
  trap.code = frame.code;
  trap.message = frame.message.empty() ? trap_message(frame.code) : frame.message;
  for (uint32_t i = 0; i < frame.num_pcs; ++i) trap.backtrace.push_back(symbolize(frame.pcs[i]));
  trap.backtrace_truncated = frame.truncated;
  return trap;
}

// The stack limit of an entry: max_stack_bytes below the current frame, never within the
// safety margin of the thread's stack end, and for nested entries never below the limit of
// the enclosing call (one budget per outermost call).
uintptr_t entry_stack_limit(size_t max_bytes, uintptr_t enclosing, bool nested) {
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  uintptr_t limit = here > max_bytes ? here - max_bytes : 0;
  limit = std::max(limit, runtime::thread_stack_bounds().low + runtime::kStackSafetyMargin);
  return nested ? std::max(limit, enclosing) : limit;
}

}  // namespace

Store::Store(StoreLimits limits) : limits_(limits) {}

// Installs `limit` unless an interrupt is pending, which keeps the limit at its maximum.
void Store::set_stack_limit(uintptr_t limit) {
  __atomic_store_n(&vm_.stack_limit, limit, __ATOMIC_RELAXED);
  if (__atomic_load_n(&vm_.interrupt, __ATOMIC_RELAXED) != 0) {
    __atomic_store_n(&vm_.stack_limit, UINTPTR_MAX, __ATOMIC_RELAXED);
  }
}

Store::~Store() = default;

absl::StatusOr<Memory*> Store::create_memory(const MemoryType& type) {
  auto m = Memory::create(type, limits_);
  if (!m.ok()) return m.status();
  memories_.push_back(std::move(*m));
  return memories_.back().get();
}

absl::StatusOr<Table*> Store::create_table(const TableType& type, void* init) {
  auto t = Table::create(type, init, limits_);
  if (!t.ok()) return t.status();
  tables_.push_back(std::move(*t));
  return tables_.back().get();
}

GlobalCell* Store::create_global(const GlobalType& type, abi::RawValue value) {
  globals_.push_back(std::make_unique<GlobalCell>(type, value));
  return globals_.back().get();
}

FuncRecord* Store::create_host_function(HostFunction function) {
  HostFunction& h = host_functions_.emplace_back(std::move(function));
  FuncRecord& r = host_records_.emplace_back();
  r.ref.code = nullptr;
  r.ref.vmctx = &r;
  r.ref.type_id = canonical_type_id(h.type);
  r.ref.reserved = 0;
  r.trampoline = nullptr;
  r.type = &h.type;
  r.host = &h;
  r.store = this;
  r.instance = nullptr;
  r.index = 0;
  return &r;
}

// The flag stops loops; the stack limit set to the top of the address space makes the next
// function prologue take its slow path, which reports kInterrupted while the flag is set.
void Store::interrupt() {
  __atomic_store_n(&vm_.interrupt, 1u, __ATOMIC_RELAXED);
  __atomic_store_n(&vm_.stack_limit, UINTPTR_MAX, __ATOMIC_RELAXED);
}

absl::StatusOr<Outcome> Store::invoke(FuncRecord* func, std::span<const abi::RawValue> args) {
  if (func == nullptr) return absl::InvalidArgumentError("invoke: null function");
  if (func->store != this) {
    return absl::InvalidArgumentError("invoke: the function belongs to another store");
  }
  if (args.size() != func->type->num_params) {
    return absl::InvalidArgumentError(
        absl::StrCat("invoke: expected ", func->type->num_params, " arguments, got ", args.size()));
  }
  if (func->is_host()) return invoke_host(func, args);
  if (func->trampoline == nullptr || func->ref.code == nullptr) {
    return absl::FailedPreconditionError("invoke: the function has no compiled code");
  }
  return invoke_wasm(func, args);
}

Outcome Store::invoke_host(FuncRecord* func, std::span<const abi::RawValue> args) {
  Outcome out;
  out.results.resize(func->type->num_results());
  Caller caller(*this, func->instance);
  absl::Status status = runtime::run_host_callback(*func->host, caller, args, out.results);
  if (caller.exit_requested()) {
    out.kind = Outcome::Kind::kExited;
    out.exit_code = caller.exit_code();
    out.results.clear();
  } else if (!status.ok()) {
    out.kind = Outcome::Kind::kTrapped;
    out.trap.code = TrapCode::kHostError;
    out.trap.message = runtime::host_error_message(status);
    out.results.clear();
  }
  return out;
}

Outcome Store::invoke_wasm(FuncRecord* func, std::span<const abi::RawValue> args) {
  const FuncType& type = *func->type;
  std::vector<abi::RawValue> slots(std::max({type.num_params, type.num_results(), 1u}));
  std::copy(args.begin(), args.end(), slots.begin());
  runtime::prepare_thread();
  uintptr_t saved_limit = vm_.stack_limit;
  if (depth_ == 0) __atomic_store_n(&vm_.interrupt, 0u, __ATOMIC_RELAXED);
  set_stack_limit(entry_stack_limit(limits_.max_stack_bytes, saved_limit, depth_ > 0));
  ++depth_;
  runtime::GuardFrame frame;
  Entry entry{func, slots.data()};
  bool returned = runtime::call_guarded(frame, enter_wasm, &entry);
  --depth_;
  set_stack_limit(saved_limit);

  Outcome out;
  if (returned) {
    slots.resize(type.num_results());
    out.results = std::move(slots);
  } else if (frame.exited) {
    out.kind = Outcome::Kind::kExited;
    out.exit_code = frame.exit_code;
  } else {
    out.kind = Outcome::Kind::kTrapped;
    out.trap = make_trap(frame);
  }
  return out;
}

std::string Trap::to_string() const {
  std::string s = message;
  for (size_t i = 0; i < backtrace.size(); ++i) {
    const BacktraceFrame& f = backtrace[i];
    absl::StrAppend(&s, "\n  #", i, " ", f.module_name.empty() ? "" : f.module_name + "!",
                    f.func_name.empty() ? "<unnamed>" : f.func_name, " (func ", f.func_index, ")");
  }
  if (backtrace_truncated) absl::StrAppend(&s, "\n  ...");
  return s;
}

}  // namespace ws::engine
