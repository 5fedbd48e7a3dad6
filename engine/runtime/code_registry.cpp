// Code registry: immutable sorted snapshots published through an atomic pointer.
//
// Readers (the signal handler, backtrace capture) never lock: they count themselves in
// g_readers, load the current snapshot, search it and leave. Writers (register/unregister,
// rare, under a mutex) build a new snapshot, swap it in and retire the old one; retired
// snapshots are freed by a later writer that sees no reader in flight. The counter is checked
// after the swap (both seq_cst), so a reader it misses has started after the swap and sees
// the new snapshot. A reader that never finishes (impossible: lookups are bounded) would only
// delay reclamation, never break it.
#include "engine/runtime/code_registry.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>

namespace ws::engine::runtime {
namespace {

struct Entry {
  uintptr_t start;
  uintptr_t end;
  const Module* module;
  uint32_t func_index;
  uint64_t owner;
};

struct Snapshot {
  std::vector<Entry> entries;  // sorted by start; ranges do not overlap
};

// Namespace-scope and constant-initialised: safe to touch from a signal handler at any time.
constinit std::atomic<const Snapshot*> g_current{nullptr};
constinit std::atomic<uint32_t> g_readers{0};

struct SharedCode {
  std::shared_ptr<const CompiledCode> code;
  std::shared_ptr<const Module> module;
  std::unique_ptr<CodeRegistration> registration;  // destroyed first: unregister, then free
};

// Writer-side state, only touched outside signal handlers.
struct WriterState {
  std::mutex mu;
  std::vector<const Snapshot*> retired;
  uint64_t next_id = 1;
  std::unordered_map<const CompiledCode*, std::weak_ptr<SharedCode>> by_code;
};

WriterState& writer() {
  static auto* w = new WriterState();  // never destroyed: registrations may outlive statics
  return *w;
}

// Publishes `entries` as the new snapshot; `w.mu` is held.
void publish(WriterState& w, std::vector<Entry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.start < b.start; });
  const Snapshot* old = g_current.exchange(new Snapshot{std::move(entries)});
  if (old != nullptr) w.retired.push_back(old);
  if (g_readers.load() == 0) {
    for (const Snapshot* s : w.retired) delete s;
    w.retired.clear();
  }
}

std::vector<Entry> current_entries() {
  const Snapshot* s = g_current.load();
  return s != nullptr ? s->entries : std::vector<Entry>{};
}

void unregister(uint64_t id) {
  WriterState& w = writer();
  std::lock_guard<std::mutex> lock(w.mu);
  std::vector<Entry> entries = current_entries();
  std::erase_if(entries, [id](const Entry& e) { return e.owner == id; });
  publish(w, std::move(entries));
}

// Adds `ranges` under a new owner id; `w.mu` is held.
uint64_t add_locked(WriterState& w, const Module* module, const std::vector<CodeRange>& ranges) {
  uint64_t id = w.next_id++;
  std::vector<Entry> entries = current_entries();
  for (const CodeRange& r : ranges) {
    if (r.end > r.start) entries.push_back(Entry{r.start, r.end, module, r.func_index, id});
  }
  publish(w, std::move(entries));
  return id;
}

}  // namespace

CodeRegistration::~CodeRegistration() { unregister(id_); }

std::unique_ptr<CodeRegistration> register_code(const Module* module,
                                                std::vector<CodeRange> ranges) {
  WriterState& w = writer();
  std::lock_guard<std::mutex> lock(w.mu);
  return std::make_unique<CodeRegistration>(add_locked(w, module, ranges));
}

std::shared_ptr<CodeRegistration> acquire_code(std::shared_ptr<const CompiledCode> code,
                                               std::shared_ptr<const Module> module) {
  WriterState& w = writer();
  std::lock_guard<std::mutex> lock(w.mu);
  std::erase_if(w.by_code, [](const auto& kv) { return kv.second.expired(); });
  std::weak_ptr<SharedCode>& slot = w.by_code[code.get()];
  if (std::shared_ptr<SharedCode> existing = slot.lock()) {
    return std::shared_ptr<CodeRegistration>(existing, existing->registration.get());
  }
  std::vector<CodeRange> ranges;
  uint32_t first = module->num_imported_funcs;
  for (size_t i = 0; i < code->ranges.size(); ++i) {
    ranges.push_back(
        {code->ranges[i].start, code->ranges[i].end, first + static_cast<uint32_t>(i)});
  }
  auto shared = std::make_shared<SharedCode>();
  shared->registration = std::make_unique<CodeRegistration>(add_locked(w, module.get(), ranges));
  shared->code = std::move(code);
  shared->module = std::move(module);
  slot = shared;
  return std::shared_ptr<CodeRegistration>(shared, shared->registration.get());
}

bool find_code(uintptr_t pc, CodeLocation& out) {
  g_readers.fetch_add(1);
  bool found = false;
  if (const Snapshot* s = g_current.load()) {
    auto it = std::upper_bound(s->entries.begin(), s->entries.end(), pc,
                               [](uintptr_t v, const Entry& e) { return v < e.start; });
    if (it != s->entries.begin() && pc < (--it)->end) {
      out.module = it->module;
      out.func_index = it->func_index;
      found = true;
    }
  }
  g_readers.fetch_sub(1);
  return found;
}

bool is_wasm_code(uintptr_t pc) {
  CodeLocation unused;
  return find_code(pc, unused);
}

}  // namespace ws::engine::runtime
