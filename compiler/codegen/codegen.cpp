// Target selection, the optimisation pipeline and object emission.
#include "codegen/codegen.h"
#include "codegen/exact_traps.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Passes/StandardInstrumentations.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "codegen/access_versioning.h"
#include "codegen/interrupt_checks.h"
#include "codegen/llvm_options.h"
#include "kiln/abi.h"
#include <stdexcept>

namespace kiln::codegen {

namespace {

void initializeTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    std::unique_lock lock(llvmOptionsMutex());
    applyLlvmOptions();
  });
}

llvm::CodeGenOptLevel codeGenLevel(int optLevel) {
  switch (optLevel) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::Less;
    case 3: return llvm::CodeGenOptLevel::Aggressive;
    default: return llvm::CodeGenOptLevel::Default;
  }
}

}  // namespace

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const Options& options) {
  initializeTargets();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) throw std::runtime_error("no LLVM target for " + triple + ": " + error);

  std::string cpu = options.cpu;
  std::string features;
  if (cpu == "native") {
    cpu = llvm::sys::getHostCPUName().str();
    llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
    for (auto& f : hostFeatures) {
      if (!features.empty()) features += ",";
      features += f.second ? '+' : '-';
      features += f.first().str();
    }
  }
  // Check the CPU name first: LLVM would only warn and fall back.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(target->createMCSubtargetInfo(triple, "", ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu)) {
    throw std::runtime_error("unknown CPU '" + cpu + "' (try x86-64, x86-64-v2, x86-64-v3, native)");
  }
  llvm::TargetOptions targetOptions;
  // No padding before loop headers (LLVM aligns them to 16 bytes on x86).
  // Today's cores run loops from a micro-op cache, where alignment buys
  // little, and on this project's Zen 5 reference machine a hot loop that
  // starts in the first 8 bytes of a 64-byte line runs about 30% slower than
  // the same loop at any other offset (bench/FINDINGS.md): 16-byte alignment
  // puts a quarter of all loops there, byte alignment one in eight.
  targetOptions.LoopAlignment = 1;
  auto tm = std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, llvm::CodeModel::Small, codeGenLevel(options.optLevel)));
  if (!tm) throw std::runtime_error("cannot create a target machine for " + triple + " (cpu " + cpu + ")");
  return tm;
}

void optimizeModule(llvm::Module& module, llvm::TargetMachine& target, const Options& options) {
  std::shared_lock options_lock(llvmOptionsMutex());  // llvm_options.h
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  // LLVM's -print-after=, -print-changed and the like work through
  // KILN_LLVM_ARGS (llvm_options.h); without it, no instrumentation (its
  // callbacks cost time on every pass of every function).
  llvm::PassInstrumentationCallbacks instrumentation;
  llvm::StandardInstrumentations standard(module.getContext(), /*DebugLogging=*/false);
  const bool instrument = std::getenv("KILN_LLVM_ARGS") != nullptr;
  if (instrument) standard.registerCallbacks(instrumentation, &mam);
  llvm::PassBuilder pb(&target, tuning, std::nullopt, instrument ? &instrumentation : nullptr);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);

  llvm::OptimizationLevel level = llvm::OptimizationLevel::O2;
  switch (options.optLevel) {
    case 0: level = llvm::OptimizationLevel::O0; break;
    case 1: level = llvm::OptimizationLevel::O1; break;
    case 3: level = llvm::OptimizationLevel::O3; break;
    default: break;
  }
  // Before each round of LICM and GVN (exact_traps.h); explicit bounds
  // checks are branches, which nothing hoists a load above.
  if (!options.explicitBoundsChecks) {
    pb.registerPeepholeEPCallback([](llvm::FunctionPassManager& fpm, llvm::OptimizationLevel) {
      fpm.addPass(HoistBarrierPass());
    });
  }
  pb.registerVectorizerStartEPCallback([guardPages = !options.explicitBoundsChecks](llvm::FunctionPassManager& fpm,
                                                                                     llvm::OptimizationLevel) {
    fpm.addPass(AccessVersioningPass(guardPages));
  });
  llvm::ModulePassManager mpm;
  if (level == llvm::OptimizationLevel::O0) {
    mpm = pb.buildO0DefaultPipeline(level);
  } else {
    mpm = pb.buildPerModuleDefaultPipeline(level);
  }
  // The tokens that kept every load (exact_traps.h) go.
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(ExactTrapsPass()));
  // Last, on the code as it will be emitted (interrupt_checks.h).
  if (options.epochChecks) mpm.addPass(llvm::createModuleToFunctionPassAdaptor(InterruptCheckPass()));
  mpm.run(module, mam);
}

void emitModule(llvm::Module& module, llvm::TargetMachine& target, EmitKind kind, llvm::raw_pwrite_stream& out) {
  std::shared_lock options_lock(llvmOptionsMutex());  // llvm_options.h
  if (kind == EmitKind::LLVMIR) {
    module.print(out, nullptr);
    return;
  }
  llvm::legacy::PassManager pm;
  auto fileType = kind == EmitKind::Assembly ? llvm::CodeGenFileType::AssemblyFile : llvm::CodeGenFileType::ObjectFile;
  if (target.addPassesToEmitFile(pm, out, nullptr, fileType)) {
    throw std::runtime_error("the target cannot emit this file type");
  }
  pm.run(module);
}

uint64_t optionsHash(const Options& options) {
  // FNV-1a over everything that changes generated code.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(std::to_string(options.optLevel));
  mix(options.cpu);
  mix(options.explicitBoundsChecks ? "explicit" : "guard");
  mix(options.epochChecks ? "epoch" : "no-epoch");
  mix(options.fuel ? "fuel" : "no-fuel");
  mix(std::to_string(KILN_ABI_VERSION));
  return h;
}

}  // namespace kiln::codegen
