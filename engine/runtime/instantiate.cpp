// Instantiation as the spec orders it: bind imports, define functions, tables, memories and
// globals, apply element then data segments, run the start function.
#include <sys/mman.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/runtime/code_registry.h"
#include "engine/runtime/const_expr.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/runtime/type_registry.h"
#include "engine/runtime/value.h"
#include "support/status.h"

namespace ws::engine::runtime {

// Friend of Instance and Store: builds one instance step by step.
class Instantiator {
 public:
  static absl::StatusOr<Instance*> run(Store& store, std::shared_ptr<const Module> module,
                                       std::shared_ptr<const CompiledCode> code,
                                       std::span<const Extern> imports);

 private:
  Instantiator(Store& store, Instance& inst)
      : store_(store), inst_(inst), m_(*inst.module_), code_(inst.code_.get()) {}

  absl::Status check_code() const;
  absl::Status bind_imports(std::span<const Extern> imports);
  absl::Status bind_function(FuncRecord* f, uint32_t index);
  void define_functions();
  absl::Status define_tables_and_memories();
  absl::Status define_globals();
  void define_exports();
  absl::Status evaluate_elems();
  absl::Status apply_segments();
  // Maps code_->memory_image over its memory; false when it does not apply (copy instead).
  bool map_memory_image() const;
  absl::Status run_start();

  Store& store_;
  Instance& inst_;
  const Module& m_;
  const CompiledCode* code_;
};

absl::StatusOr<Instance*> Instantiator::run(Store& store, std::shared_ptr<const Module> module,
                                            std::shared_ptr<const CompiledCode> code,
                                            std::span<const Extern> imports) {
  if (module == nullptr) return absl::InvalidArgumentError("instantiate: no module");
  WS_RETURN_IF_ERROR(check_imports(*module, imports));
  std::unique_ptr<Instance> owned(new Instance(&store, std::move(module), std::move(code)));
  Instantiator b(store, *owned);
  WS_RETURN_IF_ERROR(b.check_code());
  if (b.code_ != nullptr && (!b.code_->ranges.empty() || b.code_->live_ranges)) {
    owned->registration_ = acquire_code(owned->code_, owned->module_);
  }
  for (const FuncType& t : b.m_.types) owned->type_ids_.push_back(canonical_type_id(t));
  WS_RETURN_IF_ERROR(b.bind_imports(imports));
  b.define_functions();
  WS_RETURN_IF_ERROR(b.define_tables_and_memories());
  WS_RETURN_IF_ERROR(b.define_globals());
  owned->publish_arrays();
  b.define_exports();
  WS_RETURN_IF_ERROR(b.evaluate_elems());
  // From here on the instance may become reachable through imported tables and memories, so
  // it belongs to the store even if a segment or the start function traps.
  Instance* inst = owned.get();
  store.instances_.push_back(std::move(owned));
  WS_RETURN_IF_ERROR(b.apply_segments());
  WS_RETURN_IF_ERROR(b.run_start());
  return inst;
}

absl::Status Instantiator::check_code() const {
  size_t defined = m_.codes.size();
  if (defined == 0) return absl::OkStatus();
  if (code_ == nullptr) return absl::InternalError("instantiate: module has no compiled code");
  if (code_->functions.size() != defined || code_->trampolines.size() != m_.types.size() ||
      (!code_->ranges.empty() && code_->ranges.size() != defined)) {
    return absl::InternalError(absl::StrCat(
        "instantiate: compiled code does not fit the module (", code_->functions.size(),
        " functions, ", code_->trampolines.size(), " trampolines, ", code_->ranges.size(),
        " ranges for ", defined, " functions and ", m_.types.size(), " types)"));
  }
  return absl::OkStatus();
}

absl::Status Instantiator::bind_imports(std::span<const Extern> imports) {
  uint32_t func_import = 0;
  for (size_t i = 0; i < imports.size(); ++i) {
    const Extern& e = imports[i];
    switch (e.kind) {
      case ExternKind::kFunc: {
        if (e.func->store != &store_) {
          return absl::InvalidArgumentError(absl::StrCat("import \"", m_.imports[i].module, "\" \"",
                                                         m_.imports[i].name,
                                                         "\" is a function of another store"));
        }
        WS_RETURN_IF_ERROR(bind_function(e.func, func_import++));
        break;
      }
      case ExternKind::kTable:
        inst_.tables_.push_back(e.table);
        break;
      case ExternKind::kMemory:
        inst_.memories_.push_back(e.memory);
        break;
      case ExternKind::kGlobal:
        inst_.globals_.push_back(e.global);
        break;
    }
  }
  return absl::OkStatus();
}

// Wasm functions are used as they are. Host functions get a fresh binding per import: its
// adapter is this module's and its caller this instance (what WASI functions need to reach the
// right memory).
absl::Status Instantiator::bind_function(FuncRecord* f, uint32_t index) {
  if (f->is_host()) {
    if (code_ == nullptr || index >= code_->host_adapters.size()) {
      return absl::InternalError(
          absl::StrCat("instantiate: no host adapter for function import ", index));
    }
    FuncRecord& r = inst_.own_funcs_.emplace_back(*f);
    r.ref.code = code_->host_adapters[index];
    r.ref.vmctx = &r;
    r.instance = &inst_;
    r.index = index;
    f = &r;
  }
  inst_.funcs_.push_back(f->vm());
  return absl::OkStatus();
}

void Instantiator::define_functions() {
  for (uint32_t i = m_.num_imported_funcs; i < m_.functions.size(); ++i) {
    uint32_t type = m_.functions[i];
    FuncRecord& r = inst_.own_funcs_.emplace_back();
    r.ref.code = code_->functions[i - m_.num_imported_funcs];
    r.ref.vmctx = &inst_.vmctx_;
    r.ref.type_id = inst_.type_ids_[type];
    r.ref.reserved = 0;
    r.trampoline = code_->trampolines[type];
    r.type = &m_.types[type];
    r.host = nullptr;
    r.store = &store_;
    r.instance = &inst_;
    r.index = i;
    inst_.funcs_.push_back(r.vm());
  }
}

absl::Status Instantiator::define_tables_and_memories() {
  for (size_t i = m_.num_imported_tables; i < m_.tables.size(); ++i) {
    WS_ASSIGN_OR_RETURN(auto t, Table::create(m_.tables[i], nullptr, store_.limits()));
    inst_.tables_.push_back(t.get());
    inst_.own_tables_.push_back(std::move(t));
  }
  for (size_t i = m_.num_imported_memories; i < m_.memories.size(); ++i) {
    WS_ASSIGN_OR_RETURN(auto mem, Memory::create(m_.memories[i], store_.limits()));
    inst_.memories_.push_back(mem.get());
    inst_.own_memories_.push_back(std::move(mem));
  }
  for (Table* t : inst_.tables_) inst_.vm_tables_.push_back(t->vm());
  for (Memory* mem : inst_.memories_) inst_.vm_memories_.push_back(mem->vm());
  for (GlobalCell* g : inst_.globals_) inst_.vm_globals_.push_back(g->vm());
  return absl::OkStatus();
}

absl::Status Instantiator::define_globals() {
  for (size_t i = m_.num_imported_globals; i < m_.globals.size(); ++i) {
    const Global& decl = m_.globals[i];
    ConstEnv env{inst_.vm_globals_, inst_.funcs_};
    WS_ASSIGN_OR_RETURN(abi::RawValue v, eval_const_expr(m_, decl.init, env));
    auto g = std::make_unique<GlobalCell>(decl.type, v);
    inst_.globals_.push_back(g.get());
    inst_.vm_globals_.push_back(g->vm());
    inst_.own_globals_.push_back(std::move(g));
  }
  return absl::OkStatus();
}

void Instantiator::define_exports() {
  for (const Export& ex : m_.exports) {
    Extern e;
    switch (ex.kind) {
      case ExternKind::kFunc:
        e = Extern::of(inst_.func(ex.index));
        break;
      case ExternKind::kTable:
        e = Extern::of(inst_.tables_[ex.index]);
        break;
      case ExternKind::kMemory:
        e = Extern::of(inst_.memories_[ex.index]);
        break;
      case ExternKind::kGlobal:
        e = Extern::of(inst_.globals_[ex.index]);
        break;
    }
    inst_.exports_.insert_or_assign(ex.name, e);
  }
}

absl::Status Instantiator::evaluate_elems() {
  ConstEnv env{inst_.vm_globals_, inst_.funcs_};
  for (const ElemSegment& seg : m_.elems) {
    std::vector<void*>& items = inst_.elems_.emplace_back();
    items.reserve(seg.size());
    for (uint32_t k = 0; k < seg.size(); ++k) {
      if (!seg.uses_exprs) {
        items.push_back(inst_.funcs_[seg.func_indices[k]]);
        continue;
      }
      WS_ASSIGN_OR_RETURN(abi::RawValue v, eval_const_expr(m_, seg.exprs[k], env));
      items.push_back(raw_as_ref(v));
    }
  }
  for (const DataSegment& seg : m_.datas) {
    inst_.datas_.emplace_back(m_.data(seg.init), seg.init.size);
  }
  return absl::OkStatus();
}

absl::Status Instantiator::apply_segments() {
  ConstEnv env{inst_.vm_globals_, inst_.funcs_};
  for (uint32_t i = 0; i < m_.elems.size(); ++i) {
    const ElemSegment& seg = m_.elems[i];
    if (seg.mode == SegmentMode::kActive) {
      WS_ASSIGN_OR_RETURN(abi::RawValue offset, eval_const_expr(m_, seg.offset, env));
      if (!inst_.table_init(seg.table, i, raw_as<uint32_t>(offset), 0, seg.size())) {
        return absl::AbortedError(trap_message(TrapCode::kOutOfBoundsTable));
      }
    }
    if (seg.mode != SegmentMode::kPassive) inst_.drop_elem(i);
  }
  bool mapped = map_memory_image();
  for (uint32_t i = 0; i < m_.datas.size(); ++i) {
    const DataSegment& seg = m_.datas[i];
    if (seg.mode != SegmentMode::kActive) continue;
    if (mapped) {  // every active segment is in the image, in bounds (see MemoryImage)
      inst_.drop_data(i);
      continue;
    }
    WS_ASSIGN_OR_RETURN(abi::RawValue offset, eval_const_expr(m_, seg.offset, env));
    uint64_t dst =
        inst_.memories_[seg.memory]->is64() ? raw_as<uint64_t>(offset) : raw_as<uint32_t>(offset);
    if (!inst_.memory_init(seg.memory, i, dst, 0, seg.init.size)) {
      return absl::AbortedError(trap_message(TrapCode::kOutOfBoundsMemory));
    }
    inst_.drop_data(i);
  }
  return absl::OkStatus();
}

bool Instantiator::map_memory_image() const {
  if (code_ == nullptr || !code_->memory_image) return false;
  const CompiledCode::MemoryImage& img = *code_->memory_image;
  if (img.memory < m_.num_imported_memories || img.memory >= inst_.memories_.size()) return false;
  Memory* mem = inst_.memories_[img.memory];
  if (mem->is64() || img.offset + img.size > mem->size_bytes() || img.fd < 0) return false;
  if (img.size == 0) return true;
  void* at = mmap(mem->base() + img.offset, img.size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_FIXED, img.fd, static_cast<off_t>(img.file_offset));
  if (at != MAP_FAILED) return true;
  // MAP_FIXED failing may have unmapped the range: restore zeroed read-write pages, then copy.
  mmap(mem->base() + img.offset, img.size, PROT_READ | PROT_WRITE,
       MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
  return false;
}

absl::Status Instantiator::run_start() {
  if (!m_.start) return absl::OkStatus();
  WS_ASSIGN_OR_RETURN(Outcome out, store_.invoke(inst_.func(*m_.start), {}));
  if (out.trapped()) return absl::AbortedError(out.trap.message);
  if (out.exited()) return absl::AbortedError(absl::StrCat("exit with code ", out.exit_code));
  return absl::OkStatus();
}

}  // namespace ws::engine::runtime

namespace ws::engine {

absl::StatusOr<Instance*> Store::instantiate(std::shared_ptr<const Module> module,
                                             std::shared_ptr<const CompiledCode> code,
                                             std::span<const Extern> imports) {
  return runtime::Instantiator::run(*this, std::move(module), std::move(code), imports);
}

}  // namespace ws::engine
