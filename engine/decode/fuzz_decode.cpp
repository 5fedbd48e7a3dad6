// libFuzzer target: decode_module on arbitrary bytes, then validate_module on what decodes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "engine/decode/decoder.h"
#include "engine/validate/validator.h"

namespace {

using ws::engine::Features;

[[noreturn]] void oracle_failed(const char* what) {
  std::fprintf(stderr, "fuzz_decode: oracle failed: %s\n", what);
  std::abort();
}

// Decodes and validates under `f`; true when the module is valid. Besides the sanitizers the
// checks are: errors are INVALID_ARGUMENT with a message, and the side table has one entry per
// function body.
bool decode_and_validate(std::span<const uint8_t> bytes, const Features& f,
                         ws::engine::BodyCheck bodies) {
  absl::StatusOr<ws::engine::Module> m = ws::engine::decode_module(bytes, f, bodies);
  if (!m.ok()) {
    if (m.status().code() != absl::StatusCode::kInvalidArgument || m.status().message().empty()) {
      oracle_failed("decode error is not INVALID_ARGUMENT with a message");
    }
    return false;
  }
  absl::StatusOr<ws::engine::ModuleInfo> info = ws::engine::validate_module(*m, f);
  if (!info.ok()) {
    if (info.status().code() != absl::StatusCode::kInvalidArgument ||
        info.status().message().empty()) {
      oracle_failed("validation error is not INVALID_ARGUMENT with a message");
    }
    return false;
  }
  if (info->functions.size() != m->codes.size()) oracle_failed("one FunctionInfo per body");
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  // Every proposal is a superset of Wasm 2.0's encodings and rules, so a module valid under
  // Wasm 2.0 stays valid with all features on.
  using ws::engine::BodyCheck;
  bool valid_wasm2 = decode_and_validate(bytes, Features::wasm2(), BodyCheck::kFull);
  bool valid_all = decode_and_validate(bytes, Features{}, BodyCheck::kFull);
  if (valid_wasm2 && !valid_all) oracle_failed("valid under Wasm 2.0 but not with all features");
  // The engine's one-pass path (bodies checked by the validator) must agree with the strict one.
  if (decode_and_validate(bytes, Features{}, BodyCheck::kDeferred) != valid_all) {
    oracle_failed("deferred body check disagrees with the full decode");
  }
  return 0;
}
