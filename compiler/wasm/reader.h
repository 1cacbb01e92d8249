// The binary decoder: bytes in, Module out. Checks everything the binary
// format requires (section order and sizes, LEB128 limits, opcodes and
// immediates, UTF-8 names, the data count rules); type-level checks are the
// validator's. Throws wasm::Error (Kind::Malformed) with the byte offset.
#pragma once

#include <cstdint>
#include <span>

#include "wasm/module.h"

namespace kiln::wasm {

Module readModule(std::span<const uint8_t> bytes);

}  // namespace kiln::wasm
