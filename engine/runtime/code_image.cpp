// Loading a linked code image: import resolution by a fixed name table, slot filling, mapping.
#include "engine/runtime/code_image.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/runtime/intrinsics.h"

namespace ws::engine {
namespace {

using D1 = double (*)(double);
using F1 = float (*)(float);
using D2 = double (*)(double, double);
using F2 = float (*)(float, float);

struct Allowed {
  std::string_view name;
  void* address;
};

// The libc functions LLVM's x86-64 back end may call for the IR codegen emits (memory
// intrinsics, frem, rounding without SSE4.1, min/max and friends). Nothing else is callable.
const std::vector<Allowed>& libc_table() {
  static const auto* table = new std::vector<Allowed>{
      {"memcpy", reinterpret_cast<void*>(&memcpy)},
      {"memmove", reinterpret_cast<void*>(&memmove)},
      {"memset", reinterpret_cast<void*>(&memset)},
      {"memcmp", reinterpret_cast<void*>(&memcmp)},
      {"bcmp", reinterpret_cast<void*>(&memcmp)},
      {"fmod", reinterpret_cast<void*>(static_cast<D2>(&::fmod))},
      {"fmodf", reinterpret_cast<void*>(static_cast<F2>(&::fmodf))},
      {"ceil", reinterpret_cast<void*>(static_cast<D1>(&::ceil))},
      {"ceilf", reinterpret_cast<void*>(static_cast<F1>(&::ceilf))},
      {"floor", reinterpret_cast<void*>(static_cast<D1>(&::floor))},
      {"floorf", reinterpret_cast<void*>(static_cast<F1>(&::floorf))},
      {"trunc", reinterpret_cast<void*>(static_cast<D1>(&::trunc))},
      {"truncf", reinterpret_cast<void*>(static_cast<F1>(&::truncf))},
      {"rint", reinterpret_cast<void*>(static_cast<D1>(&::rint))},
      {"rintf", reinterpret_cast<void*>(static_cast<F1>(&::rintf))},
      {"nearbyint", reinterpret_cast<void*>(static_cast<D1>(&::nearbyint))},
      {"nearbyintf", reinterpret_cast<void*>(static_cast<F1>(&::nearbyintf))},
      {"round", reinterpret_cast<void*>(static_cast<D1>(&::round))},
      {"roundf", reinterpret_cast<void*>(static_cast<F1>(&::roundf))},
      {"roundeven", reinterpret_cast<void*>(static_cast<D1>(&::roundeven))},
      {"roundevenf", reinterpret_cast<void*>(static_cast<F1>(&::roundevenf))},
      {"sqrt", reinterpret_cast<void*>(static_cast<D1>(&::sqrt))},
      {"sqrtf", reinterpret_cast<void*>(static_cast<F1>(&::sqrtf))},
      {"fmin", reinterpret_cast<void*>(static_cast<D2>(&::fmin))},
      {"fminf", reinterpret_cast<void*>(static_cast<F2>(&::fminf))},
      {"fmax", reinterpret_cast<void*>(static_cast<D2>(&::fmax))},
      {"fmaxf", reinterpret_cast<void*>(static_cast<F2>(&::fmaxf))},
      {"copysign", reinterpret_cast<void*>(static_cast<D2>(&::copysign))},
      {"copysignf", reinterpret_cast<void*>(static_cast<F2>(&::copysignf))},
      {"fabs", reinterpret_cast<void*>(static_cast<D1>(&::fabs))},
      {"fabsf", reinterpret_cast<void*>(static_cast<F1>(&::fabsf))},
  };
  return *table;
}

// With $WASMSHIM_PERF_MAP set (non-empty), each mapped image's functions are appended to
// /tmp/perf-<pid>.map, the symbol file `perf report` and `perf annotate` read for code outside
// any ELF file. Opt-in: the file grows with every image and is never removed.
void write_perf_map(const CodeImage& image, const uint8_t* base) {
  const char* env = std::getenv("WASMSHIM_PERF_MAP");
  if (env == nullptr || *env == '\0' || base == nullptr) return;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::string path = absl::StrCat("/tmp/perf-", getpid(), ".map");
  // /tmp is shared: never follow a link someone else put at the predictable name.
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return;
  FILE* f = fdopen(fd, "a");
  if (f == nullptr) {
    close(fd);
    return;
  }
  // Named by the module's function index (imported functions come first), as backtraces are.
  size_t imported = image.host_adapters.size();
  for (size_t i = 0; i < image.ranges.size(); ++i) {
    const CodeImage::Range& r = image.ranges[i];
    if (r.end <= r.start) continue;
    std::fprintf(f, "%lx %lx wasm_function[%zu]\n",
                 static_cast<unsigned long>(reinterpret_cast<uintptr_t>(base + r.start)),
                 static_cast<unsigned long>(r.end - r.start), imported + i);
  }
  std::fclose(f);
}

}  // namespace

void* resolve_image_import(std::string_view name) {
  const auto& intrinsics = runtime_intrinsics();
  for (size_t i = 0; i < kNumIntrinsics; ++i) {
    if (name == kIntrinsicSymbols[i]) return intrinsics[i];
  }
  for (const Allowed& a : libc_table()) {
    if (a.name == name) return a.address;
  }
  return nullptr;
}

absl::Status fill_image_slots(const CodeImage& image, uint64_t image_size, uint8_t* base,
                              uint8_t* slots) {
  auto* out = reinterpret_cast<uint64_t*>(slots);
  for (size_t i = 0; i < image.imports.size(); ++i) {
    void* p = resolve_image_import(image.imports[i]);
    if (p == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("code image imports \"", image.imports[i], "\", which is not allowed"));
    }
    out[i] = reinterpret_cast<uint64_t>(p);
  }
  for (size_t j = 0; j < image.local_slots.size(); ++j) {
    if (image.local_slots[j] >= image_size) {
      return absl::InvalidArgumentError(absl::StrCat("code image local slot ", j,
                                                     " points outside the image (offset ",
                                                     image.local_slots[j], ")"));
    }
    out[image.imports.size() + j] = reinterpret_cast<uint64_t>(base + image.local_slots[j]);
  }
  return absl::OkStatus();
}

std::shared_ptr<CompiledCode> code_from_image(const CodeImage& image, const uint8_t* base,
                                              std::shared_ptr<void> owner) {
  auto code = std::make_shared<CompiledCode>();
  auto at = [base](uint64_t off) { return const_cast<uint8_t*>(base) + off; };
  for (uint64_t off : image.functions) code->functions.push_back(at(off));
  for (uint64_t off : image.trampolines) {
    code->trampolines.push_back(reinterpret_cast<abi::Trampoline>(at(off)));
  }
  for (uint64_t off : image.host_adapters) code->host_adapters.push_back(at(off));
  for (const CodeImage::Range& r : image.ranges) {
    code->ranges.push_back(
        {reinterpret_cast<uintptr_t>(at(r.start)), reinterpret_cast<uintptr_t>(at(r.end))});
  }
  code->owner = std::move(owner);
  write_perf_map(image, base);
  return code;
}

absl::StatusOr<std::shared_ptr<const CompiledCode>> load_code_image(const CodeImage& image) {
  size_t size = image.bytes.size();
  size_t total = size + image.slot_area_size();
  if (size % CodeImage::kPageSize != 0 || image.code_size > size ||
      image.code_size % CodeImage::kPageSize != 0) {
    return absl::InvalidArgumentError(absl::StrCat("code image of ", size, " bytes with ",
                                                   image.code_size,
                                                   " code bytes is not page aligned"));
  }
  if (total == 0) return code_from_image(image, nullptr, nullptr);
  void* p = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map ", total, " bytes of code: ", strerror(errno)));
  }
  std::shared_ptr<void> owner(p, [total](void* q) { munmap(q, total); });
  auto* base = static_cast<uint8_t*>(p);
  std::memcpy(base, image.bytes.data(), size);
  absl::Status s = fill_image_slots(image, size, base, base + size);
  if (!s.ok()) return s;
  if ((image.code_size > 0 && mprotect(base, image.code_size, PROT_READ | PROT_EXEC) != 0) ||
      (total > image.code_size &&
       mprotect(base + image.code_size, total - image.code_size, PROT_READ) != 0)) {
    return absl::InternalError(absl::StrCat("cannot protect code: ", strerror(errno)));
  }
  return std::shared_ptr<const CompiledCode>(code_from_image(image, base, std::move(owner)));
}

}  // namespace ws::engine
