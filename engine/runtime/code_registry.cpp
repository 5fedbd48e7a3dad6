// Code registry: immutable sorted snapshots published through an atomic pointer.
//
// Readers (the signal handler, backtrace capture) never lock: they count themselves in
// g_readers, load the current snapshot, search it and leave. Writers (register/unregister,
// rare, under a mutex) build a new snapshot, swap it in and retire the old one; retired
// snapshots are freed by a later writer that sees no reader in flight. The counter is checked
// after the swap (both seq_cst), so a reader it misses has started after the swap and sees
// the new snapshot. A reader that never finishes (impossible: lookups are bounded) would only
// delay reclamation, never break it. Lazily compiled functions join a live registration one
// at a time (add_live_locked), which copies only the small `recent` part of the snapshot.
#include "engine/runtime/code_registry.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace ws::engine::runtime {
namespace {

struct Entry {
  uintptr_t start;
  uintptr_t end;
  const Module* module;
  uint32_t func_index;
  uint64_t owner;
};

using Entries = std::vector<Entry>;

// Two sorted arrays: `base` (shared between snapshots, rebuilt rarely) and `recent` (small,
// copied on each addition to a live registration), so a lazily compiled function costs
// O(kMaxRecent) to publish instead of a copy of every range.
struct Snapshot {
  std::shared_ptr<const Entries> base;
  Entries recent;
};

constexpr size_t kMaxRecent = 256;

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
  std::unordered_set<uint64_t> live_ids;
  std::unordered_map<const CompiledCode*, std::weak_ptr<SharedCode>> by_code;
};

WriterState& writer() {
  static auto* w = new WriterState();  // never destroyed: registrations may outlive statics
  return *w;
}

void sort_entries(Entries& entries) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.start < b.start; });
}

// Publishes a new snapshot; `w.mu` is held. A snapshot retired here may still be read by a
// signal handler, so it is freed only when no reader is in flight.
void publish(WriterState& w, std::shared_ptr<const Entries> base, Entries recent) {
  auto* next = new Snapshot{std::move(base), std::move(recent)};
  const Snapshot* old = g_current.exchange(next);
  if (old != nullptr) w.retired.push_back(old);
  if (g_readers.load() == 0) {
    for (const Snapshot* s : w.retired) delete s;
    w.retired.clear();
  }
}

// Every current entry, `keep` ones only, sorted, as a new base with no recent entries.
template <typename Keep>
void rebuild(WriterState& w, Entries extra, Keep keep) {
  Entries all;
  if (const Snapshot* s = g_current.load()) {
    if (s->base) all = *s->base;
    all.insert(all.end(), s->recent.begin(), s->recent.end());
  }
  std::erase_if(all, [&keep](const Entry& e) { return !keep(e); });
  all.insert(all.end(), extra.begin(), extra.end());
  sort_entries(all);
  publish(w, std::make_shared<const Entries>(std::move(all)), {});
}

void unregister(uint64_t id) {
  WriterState& w = writer();
  std::lock_guard<std::mutex> lock(w.mu);
  w.live_ids.erase(id);
  rebuild(w, {}, [id](const Entry& e) { return e.owner != id; });
}

Entries to_entries(const Module* module, const std::vector<CodeRange>& ranges, uint64_t id) {
  Entries out;
  for (const CodeRange& r : ranges) {
    if (r.end > r.start) out.push_back(Entry{r.start, r.end, module, r.func_index, id});
  }
  return out;
}

// Adds `ranges` under a new owner id; `w.mu` is held.
uint64_t add_locked(WriterState& w, const Module* module, const std::vector<CodeRange>& ranges) {
  uint64_t id = w.next_id++;
  w.live_ids.insert(id);
  rebuild(w, to_entries(module, ranges, id), [](const Entry&) { return true; });
  return id;
}

// Adds one range to the live registration `id` (ignored once it ended); `w.mu` is held.
void add_live_locked(WriterState& w, uint64_t id, const Module* module, const CodeRange& r) {
  if (!w.live_ids.contains(id) || r.end <= r.start) return;
  const Snapshot* s = g_current.load();
  Entries recent = s != nullptr ? s->recent : Entries{};
  Entry e{r.start, r.end, module, r.func_index, id};
  recent.insert(std::upper_bound(recent.begin(), recent.end(), e,
                                 [](const Entry& a, const Entry& b) { return a.start < b.start; }),
                e);
  if (recent.size() > kMaxRecent) {
    rebuild(w, {e}, [](const Entry&) { return true; });
    return;
  }
  publish(w, s != nullptr ? s->base : nullptr, std::move(recent));
}

// The entry of `entries` (sorted) that holds `pc`, or null.
const Entry* search(const Entries& entries, uintptr_t pc) {
  auto it = std::upper_bound(entries.begin(), entries.end(), pc,
                             [](uintptr_t v, const Entry& e) { return v < e.start; });
  if (it == entries.begin() || pc >= (it - 1)->end) return nullptr;
  return &*(it - 1);
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
  uint64_t id = add_locked(w, module.get(), ranges);
  shared->registration = std::make_unique<CodeRegistration>(id);
  if (code->live_ranges) {
    // Ranges linked from now on arrive through the listener (it waits for w.mu, held here);
    // those linked before are in the returned copy.
    const Module* mod = module.get();
    auto listener =
        std::make_shared<const LiveRanges::Listener>([id, mod](const LiveRanges::Entry& e) {
          WriterState& ws = writer();
          std::lock_guard<std::mutex> l(ws.mu);
          add_live_locked(ws, id, mod, {e.range.start, e.range.end, e.func_index});
        });
    std::vector<CodeRange> linked;
    for (const LiveRanges::Entry& e : code->live_ranges->subscribe(std::move(listener))) {
      linked.push_back({e.range.start, e.range.end, e.func_index});
    }
    rebuild(w, to_entries(mod, linked, id), [](const Entry&) { return true; });
  }
  shared->code = std::move(code);
  shared->module = std::move(module);
  slot = shared;
  return std::shared_ptr<CodeRegistration>(shared, shared->registration.get());
}

bool find_code(uintptr_t pc, CodeLocation& out) {
  g_readers.fetch_add(1);
  const Entry* e = nullptr;
  if (const Snapshot* s = g_current.load()) {
    if (s->base) e = search(*s->base, pc);
    if (e == nullptr) e = search(s->recent, pc);
  }
  if (e != nullptr) {
    out.module = e->module;
    out.func_index = e->func_index;
  }
  g_readers.fetch_sub(1);
  return e != nullptr;
}

bool is_wasm_code(uintptr_t pc) {
  CodeLocation unused;
  return find_code(pc, unused);
}

}  // namespace ws::engine::runtime
