// The LLVM command-line options Kiln's code generation relies on, and the
// lock that keeps them set.
//
// Some of LLVM's behaviour can only be changed through its global cl::opt
// options (codegen.cpp needs two passes configured so). lld, which Kiln
// runs in-process to link, resets every option to its default each time it
// runs (cl::ResetAllOptionOccurrences), so without care every module
// compiled in a process after the first link (the C API's wasm_module_new,
// the fuzzers, a server that compiles) was optimised differently. Any
// number of compilations hold the lock shared while they optimise and emit;
// the linker holds it exclusively and sets Kiln's options again before it
// lets go (link.cpp).
#pragma once

#include <shared_mutex>

namespace kiln::codegen {

std::shared_mutex& llvmOptionsMutex();

// Sets Kiln's options (and KILN_LLVM_ARGS, for experiments) from scratch.
// The caller holds llvmOptionsMutex() exclusively.
void applyLlvmOptions();

}  // namespace kiln::codegen
