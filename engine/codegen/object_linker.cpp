// Our own static linker for the partition objects: section layout, symbol resolution, import
// stubs and slots, and the x86-64 PIC relocations LLVM emits for small-code-model code.
#include "engine/codegen/object_linker.h"

#include <llvm/BinaryFormat/ELF.h>
#include <llvm/Object/ELF.h>
#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>

#include <cstring>
#include <map>
#include <unordered_map>

#include "absl/strings/str_cat.h"

namespace ws::engine::codegen {
namespace {

namespace obj = llvm::object;
namespace elf = llvm::ELF;

constexpr uint64_t kStubSize = 8;  // ff 25 rel32 (jmp *slot(%rip)) + 2 bytes of int3

uint64_t align_to(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

std::string take(llvm::Error e) { return llvm::toString(std::move(e)); }

enum class SymbolKind { kFunction, kTrampoline, kAdapter, kOther };

// Classifies a wasm symbol name and parses its index.
SymbolKind classify(llvm::StringRef name, uint32_t& index) {
  for (auto [prefix, kind] :
       {std::pair{"ws_tramp", SymbolKind::kTrampoline}, std::pair{"ws_host", SymbolKind::kAdapter},
        std::pair{"ws_f", SymbolKind::kFunction}}) {
    llvm::StringRef rest = name;
    if (rest.consume_front(prefix) && !rest.empty() && !rest.getAsInteger(10, index)) return kind;
  }
  return SymbolKind::kOther;
}

bool is_wasm_symbol(llvm::StringRef name) {
  uint32_t unused;
  return classify(name, unused) != SymbolKind::kOther;
}

struct Object {
  std::unique_ptr<obj::ObjectFile> file;
  std::map<uint64_t, uint64_t> placed;  // section index -> image offset
};

class Linker {
 public:
  explicit Linker(const Module& m) : m_(m) {}
  absl::StatusOr<CodeImage> link(std::span<const std::string_view> objects);

 private:
  absl::Status open(std::string_view bytes, size_t index);
  absl::Status place_sections();
  absl::Status collect_symbols();
  absl::Status relocate(Object& o);
  absl::Status apply(Object& o, const obj::RelocationRef& r, uint64_t site);
  // Image offset of a relocation's target symbol; `got` asks for the address of its slot.
  absl::StatusOr<uint64_t> target(Object& o, const obj::SymbolRef& sym, bool got);
  uint64_t local_slot(uint64_t offset);
  absl::Status record_entry_points();

  const Module& m_;
  std::vector<Object> objects_;
  CodeImage image_;
  uint64_t stubs_ = 0;                                 // image offset of the first stub
  std::unordered_map<std::string, uint64_t> defined_;  // global symbol -> image offset
  std::unordered_map<std::string, uint64_t> sizes_;
  std::unordered_map<std::string, uint32_t> import_index_;
  std::unordered_map<uint64_t, uint32_t> local_index_;  // target offset -> local slot
};

absl::Status Linker::open(std::string_view bytes, size_t index) {
  llvm::MemoryBufferRef ref(llvm::StringRef(bytes.data(), bytes.size()),
                            absl::StrCat("partition", index));
  auto file = obj::ObjectFile::createObjectFile(ref);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("object of partition ", index, ": ", take(file.takeError())));
  }
  if (!(*file)->isELF() || (*file)->getArch() != llvm::Triple::x86_64 ||
      !(*file)->isRelocatableObject()) {
    return absl::UnimplementedError(absl::StrCat("object of partition ", index,
                                                 ": the code linker handles x86-64 ELF relocatable "
                                                 "objects only, not ",
                                                 (*file)->getFileFormatName().str()));
  }
  objects_.push_back(Object{std::move(*file), {}});
  return absl::OkStatus();
}

// Text of all objects first, the import stubs, then read-only data from a page boundary.
absl::Status Linker::place_sections() {
  uint64_t at = 0;
  std::vector<std::pair<Object*, obj::SectionRef>> rodata;
  for (Object& o : objects_) {
    for (const obj::SectionRef& sec : o.file->sections()) {
      obj::ELFSectionRef es(sec);
      if (!(es.getFlags() & elf::SHF_ALLOC) || sec.getSize() == 0) continue;
      if (es.getType() == elf::SHT_X86_64_UNWIND) continue;  // no unwinding through wasm code
      llvm::Expected<llvm::StringRef> name = sec.getName();
      if (es.getFlags() & elf::SHF_WRITE || es.getType() == elf::SHT_NOBITS) {
        return absl::UnimplementedError(
            absl::StrCat("code linker: writable section ", name ? name->str() : "?", " of ",
                         sec.getSize(), " bytes (compiled code must not have mutable data)"));
      }
      if (es.getFlags() & elf::SHF_EXECINSTR) {
        at = align_to(at, sec.getAlignment().value());
        o.placed[sec.getIndex()] = at;
        at += sec.getSize();
      } else {
        rodata.push_back({&o, sec});
      }
    }
  }
  stubs_ = align_to(at, kStubSize);
  at = stubs_ + kStubSize * image_.imports.size();
  image_.code_size = align_to(at, CodeImage::kPageSize);
  at = image_.code_size;
  for (auto& [o, sec] : rodata) {
    at = align_to(at, sec.getAlignment().value());
    o->placed[sec.getIndex()] = at;
    at += sec.getSize();
  }
  image_.bytes.assign(align_to(at, CodeImage::kPageSize), 0);
  if (image_.code_size > 0) {  // no code at all: no bytes (memset on null is undefined)
    std::memset(image_.bytes.data(), 0xcc, image_.code_size);  // int3 between functions
  }
  for (Object& o : objects_) {
    for (const obj::SectionRef& sec : o.file->sections()) {
      auto it = o.placed.find(sec.getIndex());
      if (it == o.placed.end()) continue;
      llvm::Expected<llvm::StringRef> contents = sec.getContents();
      if (!contents) return absl::InvalidArgumentError(take(contents.takeError()));
      std::memcpy(image_.bytes.data() + it->second, contents->data(), contents->size());
    }
  }
  for (size_t i = 0; i < image_.imports.size(); ++i) {
    uint8_t* stub = image_.bytes.data() + stubs_ + kStubSize * i;
    int64_t rel = static_cast<int64_t>(image_.bytes.size() + 8 * i) -
                  static_cast<int64_t>(stubs_ + kStubSize * i + 6);
    auto rel32 = static_cast<int32_t>(rel);
    stub[0] = 0xff;
    stub[1] = 0x25;
    std::memcpy(stub + 2, &rel32, 4);
  }
  return absl::OkStatus();
}

// Undefined non-wasm names become imports (first-use order); runs before layout.
absl::Status Linker::collect_symbols() {
  for (Object& o : objects_) {
    for (const obj::SymbolRef& sym : o.file->symbols()) {
      llvm::Expected<uint32_t> flags = sym.getFlags();
      llvm::Expected<llvm::StringRef> name = sym.getName();
      if (!flags || !name) return absl::InvalidArgumentError("code linker: unreadable symbol");
      if (!(*flags & obj::SymbolRef::SF_Undefined) || name->empty()) continue;
      if (is_wasm_symbol(*name)) continue;  // defined by some partition
      if (import_index_.emplace(name->str(), image_.imports.size()).second) {
        image_.imports.push_back(name->str());
      }
    }
  }
  return absl::OkStatus();
}

uint64_t Linker::local_slot(uint64_t offset) {
  auto [it, added] = local_index_.emplace(offset, static_cast<uint32_t>(image_.local_slots.size()));
  if (added) image_.local_slots.push_back(offset);
  return image_.bytes.size() + 8 * (image_.imports.size() + it->second);
}

absl::StatusOr<uint64_t> Linker::target(Object& o, const obj::SymbolRef& sym, bool got) {
  llvm::Expected<uint32_t> flags = sym.getFlags();
  llvm::Expected<llvm::StringRef> name = sym.getName();
  if (!flags || !name) return absl::InvalidArgumentError("code linker: unreadable symbol");
  uint64_t offset;
  if (*flags & obj::SymbolRef::SF_Undefined) {
    if (auto it = import_index_.find(name->str()); it != import_index_.end()) {
      return got ? image_.bytes.size() + 8 * it->second : stubs_ + kStubSize * it->second;
    }
    auto it = defined_.find(name->str());
    if (it == defined_.end()) {
      return absl::InternalError(absl::StrCat("code linker: undefined symbol ", name->str()));
    }
    offset = it->second;
  } else {
    llvm::Expected<obj::section_iterator> sec = sym.getSection();
    llvm::Expected<uint64_t> value = sym.getValue();
    if (!sec || !value) return absl::InvalidArgumentError("code linker: unreadable symbol");
    auto it = o.placed.find((*sec)->getIndex());
    if (it == o.placed.end()) {
      return absl::UnimplementedError(absl::StrCat(
          "code linker: symbol ", name->str(), " is in a section that is not part of the image"));
    }
    offset = it->second + *value;
  }
  return got ? local_slot(offset) : offset;
}

absl::Status Linker::apply(Object& o, const obj::RelocationRef& r, uint64_t site) {
  uint64_t type = r.getType();
  if (type == elf::R_X86_64_NONE) return absl::OkStatus();
  bool got = type == elf::R_X86_64_GOTPCREL || type == elf::R_X86_64_GOTPCRELX ||
             type == elf::R_X86_64_REX_GOTPCRELX;
  bool pc32 = type == elf::R_X86_64_PC32 || type == elf::R_X86_64_PLT32;
  if (!got && !pc32 && type != elf::R_X86_64_PC64) {
    return absl::UnimplementedError(absl::StrCat(
        "code linker: relocation ", obj::getELFRelocationTypeName(elf::EM_X86_64, type).str(), " (",
        type, ") at offset ", r.getOffset(), " is not supported"));
  }
  obj::symbol_iterator sym = r.getSymbol();
  if (sym == o.file->symbol_end()) {
    return absl::InvalidArgumentError("code linker: relocation without a symbol");
  }
  absl::StatusOr<uint64_t> s = target(o, *sym, got);
  if (!s.ok()) return s.status();
  llvm::Expected<int64_t> addend = obj::ELFRelocationRef(r).getAddend();
  if (!addend) return absl::InvalidArgumentError(take(addend.takeError()));
  int64_t value = static_cast<int64_t>(*s) + *addend - static_cast<int64_t>(site);
  size_t width = type == elf::R_X86_64_PC64 ? 8 : 4;
  if (site + width > image_.bytes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("code linker: relocation at image offset ", site, " is out of bounds"));
  }
  if (width == 8) {
    std::memcpy(image_.bytes.data() + site, &value, 8);
  } else {
    if (value < INT32_MIN || value > INT32_MAX) {
      return absl::InvalidArgumentError(
          absl::StrCat("code linker: 32-bit relocation overflows at image offset ", site));
    }
    auto v32 = static_cast<int32_t>(value);
    std::memcpy(image_.bytes.data() + site, &v32, 4);
  }
  return absl::OkStatus();
}

absl::Status Linker::relocate(Object& o) {
  for (const obj::SectionRef& rel : o.file->sections()) {
    llvm::Expected<obj::section_iterator> target = rel.getRelocatedSection();
    if (!target) return absl::InvalidArgumentError(take(target.takeError()));
    if (*target == o.file->section_end()) continue;
    auto placed = o.placed.find((*target)->getIndex());
    if (placed == o.placed.end()) continue;  // not part of the image (.eh_frame, notes)
    for (const obj::RelocationRef& r : rel.relocations()) {
      absl::Status s = apply(o, r, placed->second + r.getOffset());
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Linker::record_entry_points() {
  uint32_t defined = static_cast<uint32_t>(m_.functions.size()) - m_.num_imported_funcs;
  constexpr uint64_t kMissing = ~uint64_t{0};
  image_.functions.assign(defined, kMissing);
  image_.ranges.assign(defined, {});
  image_.trampolines.assign(m_.types.size(), kMissing);
  image_.host_adapters.assign(m_.num_imported_funcs, kMissing);
  for (const auto& [name, offset] : defined_) {
    uint32_t i;
    switch (classify(name, i)) {
      case SymbolKind::kFunction:
        if (i < m_.num_imported_funcs || i >= m_.functions.size()) break;
        image_.functions[i - m_.num_imported_funcs] = offset;
        image_.ranges[i - m_.num_imported_funcs] = {offset, offset + sizes_[name]};
        break;
      case SymbolKind::kTrampoline:
        if (i < image_.trampolines.size()) image_.trampolines[i] = offset;
        break;
      case SymbolKind::kAdapter:
        if (i < image_.host_adapters.size()) image_.host_adapters[i] = offset;
        break;
      case SymbolKind::kOther:
        break;
    }
  }
  for (auto* v : {&image_.functions, &image_.trampolines, &image_.host_adapters}) {
    for (size_t i = 0; i < v->size(); ++i) {
      if ((*v)[i] == kMissing) {
        return absl::InternalError(absl::StrCat("code linker: no object defines entry ", i, " of ",
                                                v == &image_.functions     ? "the functions"
                                                : v == &image_.trampolines ? "the trampolines"
                                                                           : "the host adapters"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<CodeImage> Linker::link(std::span<const std::string_view> objects) {
  for (size_t i = 0; i < objects.size(); ++i) {
    absl::Status s = open(objects[i], i);
    if (!s.ok()) return s;
  }
  for (absl::Status s : {collect_symbols(), place_sections()}) {
    if (!s.ok()) return s;
  }
  for (Object& o : objects_) {
    for (const obj::SymbolRef& sym : o.file->symbols()) {
      obj::ELFSymbolRef es(sym);
      llvm::Expected<uint32_t> flags = sym.getFlags();
      llvm::Expected<llvm::StringRef> name = sym.getName();
      if (!flags || !name) return absl::InvalidArgumentError("code linker: unreadable symbol");
      if (*flags & obj::SymbolRef::SF_Undefined || !(*flags & obj::SymbolRef::SF_Global)) continue;
      absl::StatusOr<uint64_t> at = target(o, sym, false);
      if (!at.ok()) return at.status();
      if (!defined_.emplace(name->str(), *at).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("code linker: symbol ", name->str(), " is defined twice"));
      }
      sizes_[name->str()] = es.getSize();
    }
  }
  for (Object& o : objects_) {
    absl::Status s = relocate(o);
    if (!s.ok()) return s;
  }
  absl::Status s = record_entry_points();
  if (!s.ok()) return s;
  return std::move(image_);
}

}  // namespace

absl::StatusOr<CodeImage> link_objects(std::span<const std::string_view> objects, const Module& m) {
  return Linker(m).link(objects);
}

}  // namespace ws::engine::codegen
