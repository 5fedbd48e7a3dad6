// Conversions between C++ values and the 16-byte RawValue slots used for arguments and results.
#pragma once

#include <cstdint>
#include <cstring>

#include "engine/runtime/abi/vmctx.h"

namespace ws::engine {

template <typename T>
inline abi::RawValue raw_value(T v) {
  static_assert(sizeof(T) <= sizeof(abi::RawValue));
  abi::RawValue r{};
  std::memcpy(r.bytes, &v, sizeof(T));
  return r;
}

template <typename T>
inline T raw_as(const abi::RawValue& r) {
  static_assert(sizeof(T) <= sizeof(abi::RawValue));
  T v;
  std::memcpy(&v, r.bytes, sizeof(T));
  return v;
}

inline abi::RawValue raw_i32(int32_t v) { return raw_value(v); }
inline abi::RawValue raw_i64(int64_t v) { return raw_value(v); }
inline abi::RawValue raw_f32(float v) { return raw_value(v); }
inline abi::RawValue raw_f64(double v) { return raw_value(v); }
inline abi::RawValue raw_ref(const void* p) { return raw_value(p); }

inline int32_t raw_as_i32(const abi::RawValue& r) { return raw_as<int32_t>(r); }
inline int64_t raw_as_i64(const abi::RawValue& r) { return raw_as<int64_t>(r); }
inline float raw_as_f32(const abi::RawValue& r) { return raw_as<float>(r); }
inline double raw_as_f64(const abi::RawValue& r) { return raw_as<double>(r); }
inline void* raw_as_ref(const abi::RawValue& r) { return raw_as<void*>(r); }

}  // namespace ws::engine
