// libFuzzer target: compilation of valid modules (scripts/libfuzz.sh). A
// module that decodes and validates must translate, optimise (-O2) and emit
// an object without a crash, a sanitizer report or an LLVM verifier error.
// Invalid inputs are dropped early; the decoder has its own target.
#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "codegen/codegen.h"
#include "wasm/error.h"
#include "wasm/reader.h"
#include "wasm/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::wasm::Module module;
  try {
    module = kiln::wasm::readModule(std::span<const uint8_t>(data, size));
    kiln::wasm::validateModule(module);
  } catch (const kiln::wasm::Error&) {
    return -1;  // not added to the corpus
  }
  static kiln::codegen::Options options;  // -O2, guard pages, epoch checks
  static std::unique_ptr<llvm::TargetMachine> target = kiln::codegen::createTargetMachine(options);
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> ir = kiln::codegen::translateModule(module, context, *target, options);
  if (llvm::verifyModule(*ir, &llvm::errs())) {
    llvm::errs() << "kiln-fuzz-compile: the translated module does not verify\n";
    std::abort();
  }
  kiln::codegen::optimizeModule(*ir, *target, options);
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream out(object);
  kiln::codegen::emitModule(*ir, *target, kiln::codegen::EmitKind::Object, out);
  return 0;
}
