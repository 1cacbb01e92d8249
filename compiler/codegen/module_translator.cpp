// Module-level translation: declares every defined function, lowers the
// bodies, and adds the array-call trampolines and the kiln_module
// descriptor (descriptor.cpp).
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Utils/ModuleUtils.h>

#include <stdexcept>

#include "codegen/codegen.h"
#include "codegen/descriptor.h"
#include "codegen/function_translator.h"
#include "codegen/module_context.h"

namespace kiln::codegen {

namespace {

// A symbol name that shows the wasm name in profiles and disassembly.
std::string symbolName(const wasm::Module& module, uint32_t funcIndex) {
  std::string name = "wasm.f" + std::to_string(funcIndex);
  auto it = module.funcNames.find(funcIndex);
  if (it != module.funcNames.end()) {
    name += ".";
    for (char c : it->second) name += (isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  }
  return name;
}

void declareFunctions(ModuleContext& mc) {
  const wasm::Module& wasm = mc.wasm;
  mc.functions.assign(wasm.funcTypes.size(), nullptr);
  for (uint32_t i = wasm.numImportedFuncs; i < wasm.funcTypes.size(); ++i) {
    llvm::Function* fn = llvm::Function::Create(mc.functionTypeOf(wasm.funcTypes[i]),
                                                llvm::GlobalValue::InternalLinkage, symbolName(wasm, i),
                                                &mc.llvmModule);
    fn->setSection(ModuleContext::kCodeSection);
    // "frame-pointer" is set after translation (FunctionTranslator::translate).
    // Schedule and choose instructions for current CPUs in general, as clang
    // does (-mtune=generic): the x86-64-v2 CPU alone brings old tuning, which
    // lowers rotates to SHLD, twice as slow as ROL on today's cores (SHA-256
    // ran at 2x native time).
    if (mc.options.cpu != "native") fn->addFnAttr("tune-cpu", "generic");
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    // Tail-call elimination would turn `(func $f (call $f))` into a loop
    // that never exhausts the stack; wasm requires the exhaustion trap.
    fn->addFnAttr("disable-tail-calls", "true");
    fn->addParamAttr(0, llvm::Attribute::NonNull);
    mc.functions[i] = fn;
  }
}

// For measurements only (bench/analysis/placement.py): moves all compiled
// code by this many bytes, so that a loop's offset within
// its 64-byte cache line, which alone moves a benchmark by up to 30 % on
// Zen 5 (bench/FINDINGS.md), can be varied and averaged out. Set through
// KILN_LLVM_ARGS=-kiln-code-shift=N.
llvm::cl::opt<unsigned> gCodeShift("kiln-code-shift", llvm::cl::init(0),
                                   llvm::cl::desc("Bytes of padding before the compiled code (measurements)"));

void addCodeShift(ModuleContext& mc) {
  if (gCodeShift == 0) return;
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(mc.voidTy, false), llvm::GlobalValue::InternalLinkage,
                                    "kiln.code_shift", &mc.llvmModule);
  fn->setSection(ModuleContext::kCodeSection);
  fn->setAlignment(llvm::Align(64));
  fn->addFnAttr(llvm::Attribute::Naked);
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(mc.ctx, "entry", fn));
  b.CreateCall(llvm::InlineAsm::get(llvm::FunctionType::get(mc.voidTy, false),
                                    ".skip " + std::to_string(gCodeShift) + ", 0xcc", "", true));
  b.CreateUnreachable();
  fn->removeFromParent();
  mc.llvmModule.getFunctionList().push_front(fn);
  llvm::appendToUsed(mc.llvmModule, {fn});
}

}  // namespace

std::unique_ptr<llvm::Module> translateModule(const wasm::Module& module, llvm::LLVMContext& context,
                                              llvm::TargetMachine& target, const Options& options) {
  auto llvmModule = std::make_unique<llvm::Module>(module.moduleName.empty() ? "wasm" : module.moduleName, context);
  llvmModule->setTargetTriple(target.getTargetTriple().str());
  llvmModule->setDataLayout(target.createDataLayout());
  llvmModule->setPICLevel(llvm::PICLevel::BigPIC);
  llvmModule->setPIELevel(llvm::PIELevel::Default);

  ModuleContext mc(module, *llvmModule, options);
  declareFunctions(mc);
  addCodeShift(mc);
  for (uint32_t i = module.numImportedFuncs; i < module.funcTypes.size(); ++i) {
    FunctionTranslator(mc, i).translate();
  }
  emitDescriptor(mc, options);

  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (llvm::verifyModule(*llvmModule, &os)) {
    throw std::runtime_error("internal error: generated LLVM IR does not verify: " + os.str());
  }
  return llvmModule;
}

}  // namespace kiln::codegen
