// Shared by the codegen unit tests: building instructions by hand and
// compiling a hand-made module to (optimised) LLVM IR.
#pragma once

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

#include "codegen/codegen.h"

namespace kiln::test_util {

inline wasm::Instr op(wasm::Opcode o, uint32_t index = 0, uint64_t value = 0) {
  wasm::Instr i;
  i.op = o;
  i.index = index;
  i.value = value;
  return i;
}

struct Compiled {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::TargetMachine> target;
  std::unique_ptr<llvm::Module> module;
  std::string ir() const {
    std::string s;
    llvm::raw_string_ostream os(s);
    module->print(os, nullptr);
    return os.str();
  }
};

inline std::unique_ptr<Compiled> compile(const wasm::Module& m, int optLevel, codegen::Options options = {}) {
  auto c = std::make_unique<Compiled>();
  options.optLevel = optLevel;
  c->target = codegen::createTargetMachine(options);
  c->module = codegen::translateModule(m, c->context, *c->target, options);
  codegen::optimizeModule(*c->module, *c->target, options);
  return c;
}

}  // namespace kiln::test_util
