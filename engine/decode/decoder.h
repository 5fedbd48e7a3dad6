// Binary decoder: bytes -> Module. Malformed input fails with the section, offset and reason.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"

namespace ws::engine {

// Implementation limits (the spec lets engines set them); sizes declared in the input are also
// checked against the bytes that remain before anything is allocated.
inline constexpr uint32_t kMaxLocals = 50000;
inline constexpr uint32_t kMaxFunctionSize = 128 * 1024 * 1024;

// Decodes a whole module. Errors are INVALID_ARGUMENT with a message of the form
// "<section> section, offset 0x1f: <reason>", the reason worded as the spec's
// ("unexpected end", "integer too large", ...). Function bodies are checked for well-formedness
// (opcodes, immediates, nesting, exact size) but stay encoded in Module::bytes.
//
// BodyCheck::kDeferred skips that scan: bodies are only framed (size, locals), and
// validate_module, which decodes every instruction anyway, reports malformed bodies (as
// INVALID_ARGUMENT too, worded as the decoder would). One pass instead of two; for callers
// that always validate (the engine). The spec runner keeps kFull to tell malformed from invalid.
enum class BodyCheck { kFull, kDeferred };

absl::StatusOr<Module> decode_module(std::vector<uint8_t> bytes, const Features& features = {},
                                     BodyCheck bodies = BodyCheck::kFull);
// Takes the bytes' owner as Module::bytes: no copy (e.g. a mapped module file).
absl::StatusOr<Module> decode_module(ModuleBytes bytes, const Features& features = {},
                                     BodyCheck bodies = BodyCheck::kFull);
absl::StatusOr<Module> decode_module(std::span<const uint8_t> bytes, const Features& features = {},
                                     BodyCheck bodies = BodyCheck::kFull);

}  // namespace ws::engine
