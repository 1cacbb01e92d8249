// 128-bit SIMD (the 0xFD instructions): lowered to LLVM vector operations.
#include "codegen/function_translator.h"

namespace kiln::codegen {

bool FunctionTranslator::lowerSimd(const wasm::Instr&) { return false; }

}  // namespace kiln::codegen
