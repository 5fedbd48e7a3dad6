// Bounds-checked access to a guest's linear memory: the only way host functions touch it.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

#include "engine/runtime/memory.h"

namespace ws::engine::wasi {

// A view of memory 0 for the duration of one host call (the memory cannot grow meanwhile).
// Every accessor checks that [ptr, ptr + len) lies inside the memory, with 64-bit arithmetic so
// no guest value can overflow it; a failed check is the guest's EFAULT.
class GuestMemory {
 public:
  GuestMemory() = default;
  explicit GuestMemory(Memory* m)
      : base_(m ? m->base() : nullptr), size_(m ? m->size_bytes() : 0) {}
  GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}

  uint64_t size() const { return size_; }
  bool in_bounds(uint64_t ptr, uint64_t len) const { return ptr <= size_ && len <= size_ - ptr; }
  // The bytes [ptr, ptr + len), or nullptr when they are not all inside the memory. A zero
  // length at ptr <= size is valid (and may point one past the end).
  uint8_t* bytes(uint64_t ptr, uint64_t len) const {
    return in_bounds(ptr, len) ? base_ + ptr : nullptr;
  }
  template <typename T>
  bool load(uint64_t ptr, T& out) const {
    static_assert(std::is_trivially_copyable_v<T>);
    const uint8_t* p = bytes(ptr, sizeof(T));
    if (p == nullptr) return false;
    std::memcpy(&out, p, sizeof(T));
    return true;
  }
  template <typename T>
  bool store(uint64_t ptr, const T& value) const {
    static_assert(std::is_trivially_copyable_v<T>);
    uint8_t* p = bytes(ptr, sizeof(T));
    if (p == nullptr) return false;
    std::memcpy(p, &value, sizeof(T));
    return true;
  }
  bool write(uint64_t ptr, std::string_view data) const {
    uint8_t* p = bytes(ptr, data.size());
    if (p == nullptr) return false;
    std::memcpy(p, data.data(), data.size());
    return true;
  }
  // A string (not NUL-terminated) the guest passed as pointer and length.
  bool string(uint64_t ptr, uint64_t len, std::string_view& out) const {
    const uint8_t* p = bytes(ptr, len);
    if (p == nullptr) return false;
    out = std::string_view(reinterpret_cast<const char*>(p), len);
    return true;
  }

 private:
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace ws::engine::wasi
