// Internal: links the ELF relocatable objects of a module's partitions into one CodeImage.
#pragma once

#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/ast/module.h"
#include "engine/runtime/code_image.h"

namespace ws::engine::codegen {

// Lays out the text and read-only data of every object (x86-64 ELF, PIC, small code model) in
// one image, resolves the wasm symbols (ws_f<i>, ws_tramp<t>, ws_host<i>) across objects and
// turns every other undefined symbol into an import slot with a `jmp *slot(%rip)` stub.
// INVALID_ARGUMENT for an unreadable object or a symbol the objects disagree on; UNIMPLEMENTED
// naming a relocation kind, section or architecture this linker does not handle.
absl::StatusOr<CodeImage> link_objects(std::span<const std::string_view> objects, const Module& m);

}  // namespace ws::engine::codegen
