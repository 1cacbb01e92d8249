// The spec's validation algorithm (WebAssembly 2.0, appendix "Validation
// Algorithm"): module-level checks plus operand/control stacks per function.
// A module that fails here is never compiled. Throws wasm::Error
// (Kind::Invalid) with the offset of the offending instruction or section.
#pragma once

#include "wasm/module.h"

namespace kiln::wasm {

void validateModule(const Module& module);

}  // namespace kiln::wasm
