// Emits the kiln_module descriptor (include/kiln/abi.h) and the per-type
// array-call trampolines it points to.
#pragma once

#include "codegen/module_context.h"

namespace kiln::codegen {

void emitDescriptor(ModuleContext& mc, const Options& options);

}  // namespace kiln::codegen
