// The AOT artifact file format (writer and parser; no LLVM). engine/aot.h is the public face.
//
// File layout, little endian, version 1:
//
//   0      Header (sizeof(ArtifactHeader) bytes)
//            magic "WSAOT\r\n\x1a", version, header_size, file_size,
//            meta_offset/meta_size       the metadata block below
//            code_offset/code_size       the CodeImage bytes, page-aligned file offset
//            exec_size                   executable prefix of the code (page multiple)
//            slot_area_size              anonymous slot area mapped right after the code
//            memimg_offset/memimg_size   initial memory image (0/0 when absent), page aligned
//            meta_sha256                 sha256(header with both digests zeroed || metadata)
//            file_sha256                 sha256(whole file with this field zeroed)
//   meta   Metadata: key (module sha256, engine build, CPU features, opt level), module shape
//          (defined functions, types, function imports), import names, local slots, entry
//          offsets of functions / trampolines / host adapters, function ranges, and the memory
//          image's memory index and byte offset. u32 counts, u64 offsets, strings as u32 + bytes.
//   code   page aligned: the image exactly as CodeImage::bytes (text + stubs | rodata)
//   memimg page aligned: the bytes of [offset, offset + size) of the memory after all active
//          data segments are applied (zeros between segments)
//
// Loading checks the header, sizes and the metadata hash, then maps the code pages from the file
// (MAP_PRIVATE, r-x and r--) so processes running one module share them in the page cache; the
// slot area is anonymous, filled, then made read-only. Code pages are not hashed at load:
// verify_artifact (the whole-file checksum) is what a cache runs before accepting a file.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/aot.h"
#include "engine/runtime/code_image.h"

namespace ws::engine::aot {

inline constexpr char kArtifactMagic[8] = {'W', 'S', 'A', 'O', 'T', '\r', '\n', '\x1a'};
inline constexpr uint32_t kArtifactVersion = 1;

struct ArtifactHeader {
  char magic[8];
  uint32_t version;
  uint32_t header_size;
  uint64_t file_size;
  uint64_t meta_offset, meta_size;
  uint64_t code_offset, code_size, exec_size, slot_area_size;
  uint64_t memimg_offset, memimg_size;
  uint8_t meta_sha256[32];
  uint8_t file_sha256[32];
};
static_assert(sizeof(ArtifactHeader) == 152);

// The initial memory image compile_artifact stores (see CompiledCode::MemoryImage).
struct MemoryImageBytes {
  uint32_t memory = 0;
  uint64_t offset = 0;         // page aligned
  std::vector<uint8_t> bytes;  // page multiple
};

// The memory image for `m` when it applies: every active data segment targets one defined
// 32-bit memory at an i32.const offset and lies within its minimum size. nullopt otherwise.
std::optional<MemoryImageBytes> build_memory_image(const Module& m);

// An x86 feature by LLVM's name and whether cpuid reports it on this CPU.
struct CpuFeature {
  std::string name;
  bool present;
};
// The features cpuid can confirm (sse3 .. avx512*); others rely on the key's equality.
const std::vector<CpuFeature>& cpuid_features();
// The first feature `cpu_features` ("cpu;+f1,-f2,...", as in Key) enables that `host` lacks.
std::optional<std::string> missing_cpu_feature(const std::string& cpu_features,
                                               const std::vector<CpuFeature>& host);

// Serialises an artifact (the format above).
std::vector<uint8_t> write_artifact(const Key& key, const Module& m, const CodeImage& image,
                                    const std::optional<MemoryImageBytes>& memory);

}  // namespace ws::engine::aot
