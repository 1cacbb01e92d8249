// WebAssembly to native code through LLVM: translation of a validated module
// into an LLVM module (functions, trampolines and the kiln_module
// descriptor of include/kiln/abi.h), the optimisation pipeline, and
// emission as object file, assembly or IR.
#pragma once

#include <memory>
#include <string>

#include "wasm/module.h"

namespace llvm {
class LLVMContext;
class Module;
class TargetMachine;
class raw_pwrite_stream;
}  // namespace llvm

namespace kiln::codegen {

struct Options {
  int optLevel = 2;                  // 0..3
  std::string cpu = "x86-64-v2";     // LLVM CPU name, or "native"
  bool explicitBoundsChecks = false; // bounds-check every access instead of relying on guard pages
  bool epochChecks = true;           // loop headers and calls check the store's deadline (interruptible)
  bool fuel = false;                 // meter executed instructions against the store's fuel
  // The descriptor's symbol. Several modules linked into one shared object
  // (the spec-test runner does this) need distinct names; not part of
  // optionsHash because it does not change code.
  std::string moduleSymbol = "kiln_module";
};

enum class EmitKind { Object, Assembly, LLVMIR };

// Creates the target machine for the host triple and options.cpu. Throws
// std::runtime_error when the CPU or target is unknown.
std::unique_ptr<llvm::TargetMachine> createTargetMachine(const Options& options);

// Translates a module that has passed wasm::validateModule. Never fails on
// a valid module.
std::unique_ptr<llvm::Module> translateModule(const wasm::Module& module, llvm::LLVMContext& context,
                                              llvm::TargetMachine& target, const Options& options);

// Runs the new pass manager's default pipeline for options.optLevel.
void optimizeModule(llvm::Module& module, llvm::TargetMachine& target, const Options& options);

// Writes the module as an object file, assembly or textual IR.
void emitModule(llvm::Module& module, llvm::TargetMachine& target, EmitKind kind, llvm::raw_pwrite_stream& out);

// A stable hash of the options that change generated code (stored in the
// descriptor; `kiln run` uses it for its cache key).
uint64_t optionsHash(const Options& options);

}  // namespace kiln::codegen
