// AOT artifacts: writing, whole-file verification and loading by mapping (format in artifact.h).
#include "engine/runtime/artifact.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine_build_id.h"
#include "support/sha256.h"

namespace ws::engine::aot {
namespace {

constexpr uint64_t kPage = CodeImage::kPageSize;

uint64_t page_up(uint64_t v) { return (v + kPage - 1) / kPage * kPage; }

class Writer {
 public:
  void u32(uint32_t v) { put(&v, 4); }
  void u64(uint64_t v) { put(&v, 8); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    put(s.data(), s.size());
  }
  void u64s(const std::vector<uint64_t>& v) {
    u32(static_cast<uint32_t>(v.size()));
    for (uint64_t x : v) u64(x);
  }
  void put(const void* p, size_t n) {
    auto* b = static_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n);
  }
  std::vector<uint8_t> out;
};

// Bounds-checked reader of the metadata block; any overrun leaves ok() false.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == in_.size(); }
  uint32_t u32() { return get<uint32_t>(); }
  uint64_t u64() { return get<uint64_t>(); }
  std::string str() {
    uint32_t n = u32();
    if (!check(n)) return {};
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  std::vector<uint64_t> u64s() {
    uint32_t n = u32();
    std::vector<uint64_t> v;
    if (!check(uint64_t{n} * 8)) return v;
    for (uint32_t i = 0; i < n; ++i) v.push_back(u64());
    return v;
  }
  void bytes(void* out, size_t n) {
    if (!check(n)) return;
    std::memcpy(out, in_.data() + pos_, n);
    pos_ += n;
  }

 private:
  template <typename T>
  T get() {
    T v{};
    bytes(&v, sizeof(T));
    return v;
  }
  bool check(uint64_t n) {
    if (!ok_ || n > in_.size() - pos_) ok_ = false;
    return ok_;
  }
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// The parsed metadata block.
struct Metadata {
  Key key;
  uint32_t num_functions = 0, num_types = 0, num_func_imports = 0;
  CodeImage image;  // bytes left empty
  uint32_t memory = 0;
  uint64_t memory_offset = 0;
};

std::vector<uint8_t> write_metadata(const Key& key, const Module& m, const CodeImage& image,
                                    const std::optional<MemoryImageBytes>& memory) {
  Writer w;
  w.put(key.module_sha256.data(), 32);
  w.str(key.engine_build);
  w.str(key.cpu_features);
  w.u32(static_cast<uint32_t>(key.opt_level));
  w.u32(static_cast<uint32_t>(m.codes.size()));
  w.u32(static_cast<uint32_t>(m.types.size()));
  w.u32(m.num_imported_funcs);
  w.u32(static_cast<uint32_t>(image.imports.size()));
  for (const std::string& s : image.imports) w.str(s);
  w.u64s(image.local_slots);
  w.u64s(image.functions);
  w.u64s(image.trampolines);
  w.u64s(image.host_adapters);
  w.u32(static_cast<uint32_t>(image.ranges.size()));
  for (const CodeImage::Range& r : image.ranges) {
    w.u64(r.start);
    w.u64(r.end);
  }
  w.u32(memory ? memory->memory : 0);
  w.u64(memory ? memory->offset : 0);
  return std::move(w.out);
}

absl::StatusOr<Metadata> parse_metadata(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  Metadata md;
  r.bytes(md.key.module_sha256.data(), 32);
  md.key.engine_build = r.str();
  md.key.cpu_features = r.str();
  md.key.opt_level = static_cast<int>(r.u32());
  md.num_functions = r.u32();
  md.num_types = r.u32();
  md.num_func_imports = r.u32();
  uint32_t imports = r.u32();
  for (uint32_t i = 0; i < imports && r.ok(); ++i) md.image.imports.push_back(r.str());
  md.image.local_slots = r.u64s();
  md.image.functions = r.u64s();
  md.image.trampolines = r.u64s();
  md.image.host_adapters = r.u64s();
  uint32_t ranges = r.u32();
  for (uint32_t i = 0; i < ranges && r.ok(); ++i) {
    uint64_t start = r.u64();
    md.image.ranges.push_back({start, r.u64()});
  }
  md.memory = r.u32();
  md.memory_offset = r.u64();
  if (!r.ok() || !r.at_end()) {
    return absl::InvalidArgumentError("AOT artifact metadata is malformed");
  }
  return md;
}

std::array<uint8_t, 32> meta_digest(ArtifactHeader h, std::span<const uint8_t> meta) {
  std::memset(h.meta_sha256, 0, 32);
  std::memset(h.file_sha256, 0, 32);
  std::string data(reinterpret_cast<const char*>(&h), sizeof(h));
  data.append(reinterpret_cast<const char*>(meta.data()), meta.size());
  return support::sha256(data);
}

// Header sanity: magic, version and every region inside the file, page aligned where mapped.
absl::Status check_header(const ArtifactHeader& h, uint64_t actual_size) {
  if (std::memcmp(h.magic, kArtifactMagic, 8) != 0) {
    return absl::InvalidArgumentError("not an AOT artifact (bad magic)");
  }
  if (h.version != kArtifactVersion) {
    return absl::FailedPreconditionError(absl::StrCat("AOT artifact format version ", h.version,
                                                      ", this engine reads ", kArtifactVersion));
  }
  if (h.header_size != sizeof(ArtifactHeader)) {
    return absl::InvalidArgumentError(absl::StrCat("AOT artifact header size ", h.header_size));
  }
  if (h.file_size != actual_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("AOT artifact is truncated or extended: ", actual_size, " bytes, header says ",
                     h.file_size));
  }
  auto inside = [&](uint64_t off, uint64_t size) {
    return off <= actual_size && size <= actual_size - off;
  };
  if (!inside(h.meta_offset, h.meta_size) || h.meta_offset < sizeof(ArtifactHeader)) {
    return absl::InvalidArgumentError("AOT artifact metadata lies outside the file");
  }
  if (!inside(h.code_offset, h.code_size) || h.code_offset % kPage != 0 ||
      h.code_size % kPage != 0 || h.exec_size > h.code_size || h.exec_size % kPage != 0 ||
      h.slot_area_size % kPage != 0 || h.slot_area_size > (uint64_t{1} << 32)) {
    return absl::InvalidArgumentError("AOT artifact code region is malformed");
  }
  if (!inside(h.memimg_offset, h.memimg_size) || h.memimg_offset % kPage != 0 ||
      h.memimg_size % kPage != 0) {
    return absl::InvalidArgumentError("AOT artifact memory image region is malformed");
  }
  return absl::OkStatus();
}

std::string hex(std::span<const uint8_t> b) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

// FAILED_PRECONDITION naming which part of the key differs.
absl::Status compare_keys(const Key& found, const Key& expected) {
  auto differ = [](const char* part, const std::string& a, const std::string& b) {
    return absl::FailedPreconditionError(
        absl::StrCat("AOT artifact key mismatch: ", part, " is \"", a, "\", expected \"", b, "\""));
  };
  if (found.module_sha256 != expected.module_sha256) {
    return differ("module sha256", hex(found.module_sha256), hex(expected.module_sha256));
  }
  if (found.engine_build != expected.engine_build) {
    return differ("engine build", found.engine_build, expected.engine_build);
  }
  if (found.cpu_features != expected.cpu_features) {
    return differ("CPU features", found.cpu_features, expected.cpu_features);
  }
  if (found.opt_level != expected.opt_level) {
    return differ("opt level", std::to_string(found.opt_level), std::to_string(expected.opt_level));
  }
  return absl::OkStatus();
}

absl::Status check_cpu(const std::string& cpu_features) {
  std::optional<std::string> missing = missing_cpu_feature(cpu_features, cpuid_features());
  if (!missing) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("AOT artifact needs CPU feature ", *missing, ", which this CPU lacks"));
}

// Every entry point inside the executable pages, ranges ordered, counts matching `m`.
absl::Status check_shape(const Metadata& md, const ArtifactHeader& h, const Module& m) {
  const CodeImage& img = md.image;
  if (md.num_functions != m.codes.size() || md.num_types != m.types.size() ||
      md.num_func_imports != m.num_imported_funcs || img.functions.size() != m.codes.size() ||
      img.ranges.size() != m.codes.size() || img.trampolines.size() != m.types.size() ||
      img.host_adapters.size() != m.num_imported_funcs) {
    return absl::InvalidArgumentError("AOT artifact does not fit the module's shape");
  }
  for (const auto* v : {&img.functions, &img.trampolines, &img.host_adapters}) {
    for (uint64_t off : *v) {
      if (off >= h.exec_size) {
        return absl::InvalidArgumentError("AOT artifact entry point outside its code");
      }
    }
  }
  for (const CodeImage::Range& r : img.ranges) {
    if (r.start > r.end || r.end > h.exec_size) {
      return absl::InvalidArgumentError("AOT artifact function range outside its code");
    }
  }
  if (img.num_slots() * 8 > h.slot_area_size) {
    return absl::InvalidArgumentError("AOT artifact slot area is too small for its slots");
  }
  if (h.memimg_size > 0) {
    if (md.memory < m.num_imported_memories || md.memory >= m.memories.size() ||
        m.memories[md.memory].limits.is64 || md.memory_offset % kPage != 0 ||
        md.memory_offset + h.memimg_size > m.memories[md.memory].limits.min * abi::kWasmPageSize) {
      return absl::InvalidArgumentError("AOT artifact memory image does not fit the module");
    }
  }
  return absl::OkStatus();
}

// Owns an artifact's mapping and its open file (the memory image maps from it).
struct Mapping {
  uint8_t* base = nullptr;
  size_t size = 0;
  int fd = -1;
  ~Mapping() {
    if (base != nullptr) munmap(base, size);
    if (fd >= 0) close(fd);
  }
};

absl::Status errno_status(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(errno)));
}

bool read_at(int fd, void* out, size_t n, uint64_t off) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    ssize_t got = pread(fd, p, n, static_cast<off_t>(off));
    if (got <= 0) {
      if (got < 0 && errno == EINTR) continue;
      return false;
    }
    p += got;
    n -= static_cast<size_t>(got);
    off += static_cast<uint64_t>(got);
  }
  return true;
}

// Maps code (file-backed) and the anonymous slot area; fills the slots.
absl::Status map_code(Mapping& map, const ArtifactHeader& h, const CodeImage& image) {
  map.size = h.code_size + h.slot_area_size;
  if (map.size == 0) return absl::OkStatus();
  void* p = mmap(nullptr, map.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return errno_status("cannot reserve memory for AOT code");
  map.base = static_cast<uint8_t*>(p);
  auto map_file = [&](uint64_t at, uint64_t size, int prot) {
    return size == 0 || mmap(map.base + at, size, prot, MAP_PRIVATE | MAP_FIXED, map.fd,
                             static_cast<off_t>(h.code_offset + at)) != MAP_FAILED;
  };
  if (!map_file(0, h.exec_size, PROT_READ | PROT_EXEC) ||
      !map_file(h.exec_size, h.code_size - h.exec_size, PROT_READ)) {
    return errno_status("cannot map AOT code");
  }
  if (h.slot_area_size == 0) return absl::OkStatus();
  uint8_t* slots = map.base + h.code_size;
  if (mmap(slots, h.slot_area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS,
           -1, 0) == MAP_FAILED) {
    return errno_status("cannot map the AOT slot area");
  }
  absl::Status s = fill_image_slots(image, h.code_size, map.base, slots);
  if (!s.ok()) return s;
  if (mprotect(slots, h.slot_area_size, PROT_READ) != 0) {
    return errno_status("cannot protect the AOT slot area");
  }
  return absl::OkStatus();
}

// Reads the header and metadata of the open artifact; checks sizes and the metadata hash.
absl::StatusOr<Metadata> read_metadata(int fd, ArtifactHeader& h) {
  struct stat st;
  if (fstat(fd, &st) != 0) return errno_status("cannot stat the AOT artifact");
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < sizeof(h)) {
    return absl::InvalidArgumentError(
        absl::StrCat("AOT artifact is truncated (", size, " bytes, smaller than its header)"));
  }
  if (!read_at(fd, &h, sizeof(h), 0)) return errno_status("cannot read the AOT artifact");
  if (absl::Status s = check_header(h, size); !s.ok()) return s;
  std::vector<uint8_t> meta(h.meta_size);
  if (!read_at(fd, meta.data(), meta.size(), h.meta_offset)) {
    return errno_status("cannot read the AOT artifact metadata");
  }
  std::array<uint8_t, 32> digest = meta_digest(h, meta);
  if (std::memcmp(digest.data(), h.meta_sha256, 32) != 0) {
    return absl::InvalidArgumentError("AOT artifact metadata hash mismatch (corrupt file)");
  }
  return parse_metadata(meta);
}

// read_metadata, then the key, the CPU and the module's shape.
absl::StatusOr<Metadata> read_checked(int fd, ArtifactHeader& h, const Module& m,
                                      const Key& expected) {
  absl::StatusOr<Metadata> md = read_metadata(fd, h);
  if (!md.ok()) return md.status();
  if (absl::Status s = compare_keys(md->key, expected); !s.ok()) return s;
  if (absl::Status s = check_cpu(md->key.cpu_features); !s.ok()) return s;
  if (absl::Status s = check_shape(*md, h, m); !s.ok()) return s;
  return md;
}

}  // namespace

std::string engine_build_id() { return WS_ENGINE_BUILD_ID; }

const std::vector<CpuFeature>& cpuid_features() {
  static const auto* features = [] {
    __builtin_cpu_init();
    return new std::vector<CpuFeature>{
        {"sse3", __builtin_cpu_supports("sse3") != 0},
        {"ssse3", __builtin_cpu_supports("ssse3") != 0},
        {"sse4.1", __builtin_cpu_supports("sse4.1") != 0},
        {"sse4.2", __builtin_cpu_supports("sse4.2") != 0},
        {"popcnt", __builtin_cpu_supports("popcnt") != 0},
        {"avx", __builtin_cpu_supports("avx") != 0},
        {"avx2", __builtin_cpu_supports("avx2") != 0},
        {"fma", __builtin_cpu_supports("fma") != 0},
        {"bmi", __builtin_cpu_supports("bmi") != 0},
        {"bmi2", __builtin_cpu_supports("bmi2") != 0},
        {"aes", __builtin_cpu_supports("aes") != 0},
        {"pclmul", __builtin_cpu_supports("pclmul") != 0},
        {"avx512f", __builtin_cpu_supports("avx512f") != 0},
        {"avx512bw", __builtin_cpu_supports("avx512bw") != 0},
        {"avx512dq", __builtin_cpu_supports("avx512dq") != 0},
        {"avx512vl", __builtin_cpu_supports("avx512vl") != 0},
        {"avx512cd", __builtin_cpu_supports("avx512cd") != 0},
    };
  }();
  return *features;
}

std::optional<std::string> missing_cpu_feature(const std::string& cpu_features,
                                               const std::vector<CpuFeature>& host) {
  std::pair<std::string, std::string> parts = absl::StrSplit(cpu_features, absl::MaxSplits(';', 1));
  for (absl::string_view f : absl::StrSplit(parts.second, ',', absl::SkipEmpty())) {
    if (f.size() < 2 || f[0] != '+') continue;
    for (const CpuFeature& known : host) {
      if (f.substr(1) == known.name && !known.present) return known.name;
    }
  }
  return std::nullopt;
}

absl::StatusOr<Key> read_artifact_key(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::Status(errno == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kInternal,
                        absl::StrCat(path, ": cannot open: ", strerror(errno)));
  }
  ArtifactHeader h;
  absl::StatusOr<Metadata> md = read_metadata(fd, h);
  close(fd);
  if (!md.ok())
    return absl::Status(md.status().code(), absl::StrCat(path, ": ", md.status().message()));
  return md->key;
}

std::string Key::digest() const {
  Writer w;
  w.put(module_sha256.data(), 32);
  w.str(engine_build);
  w.str(cpu_features);
  w.u32(static_cast<uint32_t>(opt_level));
  return support::sha256_hex(
      std::string_view(reinterpret_cast<const char*>(w.out.data()), w.out.size()));
}

std::optional<MemoryImageBytes> build_memory_image(const Module& m) {
  std::optional<uint32_t> memory;
  uint64_t lo = UINT64_MAX, hi = 0;
  struct Placed {
    uint64_t offset;
    const DataSegment* seg;
  };
  std::vector<Placed> placed;
  for (const DataSegment& seg : m.datas) {
    if (seg.mode != SegmentMode::kActive) continue;
    if (memory && *memory != seg.memory) return std::nullopt;
    memory = seg.memory;
    // Only the plain `i32.const N end` form has an offset known before instantiation.
    const uint8_t* p = m.data(seg.offset);
    const uint8_t* end = p + seg.offset.size;
    if (seg.offset.size < 3 || *p++ != 0x41) return std::nullopt;
    int64_t v = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
      if (p == end || shift >= 35) return std::nullopt;
      byte = *p++;
      v |= int64_t{byte & 0x7f} << shift;
      shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) v |= -(int64_t{1} << shift);
    if (p == end || *p++ != 0x0b || p != end) return std::nullopt;
    uint64_t off = static_cast<uint32_t>(static_cast<int32_t>(v));
    placed.push_back({off, &seg});
    lo = std::min(lo, off);
    hi = std::max(hi, off + seg.init.size);
  }
  if (!memory || *memory < m.num_imported_memories || *memory >= m.memories.size()) {
    return std::nullopt;
  }
  const MemoryType& type = m.memories[*memory];
  if (type.limits.is64 || hi > type.limits.min * abi::kWasmPageSize || hi <= lo) {
    return std::nullopt;
  }
  MemoryImageBytes img;
  img.memory = *memory;
  img.offset = lo / kPage * kPage;
  img.bytes.assign(page_up(hi) - img.offset, 0);
  for (const Placed& pl : placed) {
    if (pl.seg->init.size == 0) continue;
    std::memcpy(img.bytes.data() + (pl.offset - img.offset), m.data(pl.seg->init),
                pl.seg->init.size);
  }
  return img;
}

std::vector<uint8_t> write_artifact(const Key& key, const Module& m, const CodeImage& image,
                                    const std::optional<MemoryImageBytes>& memory) {
  std::vector<uint8_t> meta = write_metadata(key, m, image, memory);
  ArtifactHeader h{};
  std::memcpy(h.magic, kArtifactMagic, 8);
  h.version = kArtifactVersion;
  h.header_size = sizeof(ArtifactHeader);
  h.meta_offset = sizeof(ArtifactHeader);
  h.meta_size = meta.size();
  h.code_offset = page_up(h.meta_offset + h.meta_size);
  h.code_size = image.bytes.size();
  h.exec_size = image.code_size;
  h.slot_area_size = image.slot_area_size();
  h.memimg_offset = memory ? page_up(h.code_offset + h.code_size) : 0;
  h.memimg_size = memory ? memory->bytes.size() : 0;
  h.file_size = memory ? h.memimg_offset + h.memimg_size : h.code_offset + h.code_size;
  std::array<uint8_t, 32> md = meta_digest(h, meta);
  std::memcpy(h.meta_sha256, md.data(), 32);
  std::vector<uint8_t> out(h.file_size, 0);
  std::memcpy(out.data() + h.meta_offset, meta.data(), meta.size());
  if (!image.bytes.empty()) {
    std::memcpy(out.data() + h.code_offset, image.bytes.data(), image.bytes.size());
  }
  if (memory && !memory->bytes.empty()) {
    std::memcpy(out.data() + h.memimg_offset, memory->bytes.data(), memory->bytes.size());
  }
  std::memcpy(out.data(), &h, sizeof(h));  // file_sha256 still zero
  std::array<uint8_t, 32> fd =
      support::sha256(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
  std::memcpy(out.data() + offsetof(ArtifactHeader, file_sha256), fd.data(), 32);
  return out;
}

absl::Status verify_artifact(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(ArtifactHeader)) {
    return absl::InvalidArgumentError(absl::StrCat("AOT artifact is truncated (", bytes.size(),
                                                   " bytes, smaller than its header)"));
  }
  ArtifactHeader h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  absl::Status s = check_header(h, bytes.size());
  if (!s.ok()) return absl::InvalidArgumentError(s.message());
  std::string copy(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::memset(copy.data() + offsetof(ArtifactHeader, file_sha256), 0, 32);
  std::array<uint8_t, 32> digest = support::sha256(copy);
  if (std::memcmp(digest.data(), h.file_sha256, 32) != 0) {
    return absl::InvalidArgumentError("AOT artifact checksum mismatch (corrupt file)");
  }
  std::array<uint8_t, 32> md = meta_digest(h, bytes.subspan(h.meta_offset, h.meta_size));
  if (std::memcmp(md.data(), h.meta_sha256, 32) != 0) {
    return absl::InvalidArgumentError("AOT artifact metadata hash mismatch (corrupt file)");
  }
  absl::StatusOr<Metadata> meta = parse_metadata(bytes.subspan(h.meta_offset, h.meta_size));
  return meta.ok() ? absl::OkStatus() : meta.status();
}

absl::StatusOr<Key> read_key(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(ArtifactHeader)) {
    return absl::InvalidArgumentError("AOT artifact is truncated (smaller than its header)");
  }
  ArtifactHeader h;
  std::memcpy(&h, bytes.data(), sizeof(h));
  if (absl::Status s = check_header(h, bytes.size()); !s.ok()) {
    return absl::InvalidArgumentError(s.message());
  }
  absl::StatusOr<Metadata> meta = parse_metadata(bytes.subspan(h.meta_offset, h.meta_size));
  if (!meta.ok()) return meta.status();
  return meta->key;
}

absl::StatusOr<std::shared_ptr<const CompiledCode>> load_artifact(const std::string& path,
                                                                  const Module& m,
                                                                  const Key& expected) {
  auto map = std::make_shared<Mapping>();
  map->fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (map->fd < 0) {
    return absl::Status(errno == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kInternal,
                        absl::StrCat(path, ": cannot open: ", strerror(errno)));
  }
  ArtifactHeader h;
  absl::StatusOr<Metadata> md = read_checked(map->fd, h, m, expected);
  absl::Status s = md.ok() ? map_code(*map, h, md->image) : md.status();
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  std::shared_ptr<CompiledCode> code = code_from_image(md->image, map->base, map);
  if (h.memimg_size > 0) {
    code->memory_image = CompiledCode::MemoryImage{md->memory, md->memory_offset, h.memimg_size,
                                                   map->fd, h.memimg_offset};
  }
  return std::shared_ptr<const CompiledCode>(std::move(code));
}

}  // namespace ws::engine::aot
