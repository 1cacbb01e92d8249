// See exact_traps.h.
#include "codegen/exact_traps.h"

#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/TargetTransformInfo.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Metadata.h>
#include <llvm/Support/ModRef.h>
#include <llvm/Transforms/Scalar/ADCE.h>
#include <llvm/Transforms/Utils/LowerMemIntrinsics.h>

#include "codegen/module_context.h"

#include <vector>

namespace kiln::codegen {

namespace {

constexpr const char* kKeepName = "kiln.keep";

// Whether a load reads linear memory: its TBAA type is the translator's
// (kLinearMemoryTbaaName). A load whose TBAA tag was lost counts as one.
bool readsLinearMemory(const llvm::LoadInst& load) {
  const llvm::MDNode* tag = load.getMetadata(llvm::LLVMContext::MD_tbaa);
  if (!tag || tag->getNumOperands() < 1) return true;
  const auto* type = llvm::dyn_cast<llvm::MDNode>(tag->getOperand(0));
  if (!type || type->getNumOperands() < 1) return true;
  const auto* name = llvm::dyn_cast<llvm::MDString>(type->getOperand(0));
  return !name || name->getString() == kLinearMemoryTbaaName;
}

// The instructions whose values the program needs, not counting kiln.keep
// (which ADCE cannot be told to ignore):
// everything with an effect (stores, calls, volatile loads), every
// terminator, and what they use, transitively.
llvm::DenseSet<llvm::Instruction*> liveInstructions(llvm::Function& function) {
  llvm::DenseSet<llvm::Instruction*> live;
  std::vector<llvm::Instruction*> work;
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& inst : block) {
      if (isKeep(inst)) continue;
      bool root = inst.isTerminator() || inst.mayHaveSideEffects() || llvm::isa<llvm::AllocaInst>(inst);
      if (auto* load = llvm::dyn_cast<llvm::LoadInst>(&inst)) root = root || !load->isUnordered();
      if (root && live.insert(&inst).second) work.push_back(&inst);
    }
  }
  while (!work.empty()) {
    llvm::Instruction* inst = work.back();
    work.pop_back();
    for (llvm::Value* operand : inst->operands()) {
      if (auto* used = llvm::dyn_cast<llvm::Instruction>(operand); used && live.insert(used).second) {
        work.push_back(used);
      }
    }
  }
  return live;
}

// Whether the value of `load` is consumed in its own block by something the
// code generator keeps there: a store, a call, the terminator (a branch on
// it), following the block's other instructions that compute from it.
bool consumedInBlock(llvm::LoadInst& load) {
  llvm::BasicBlock* block = load.getParent();
  llvm::SmallPtrSet<llvm::Instruction*, 16> seen;
  llvm::SmallVector<llvm::Instruction*, 16> work{&load};
  while (!work.empty()) {
    llvm::Instruction* inst = work.pop_back_val();
    for (llvm::User* user : inst->users()) {
      auto* userInst = llvm::cast<llvm::Instruction>(user);
      // A phi's use lies on an edge: the code generator may sink the load
      // onto a split edge, off the block's other paths (found by the
      // fuzzer: seed 106369).
      if (userInst->getParent() != block || llvm::isa<llvm::PHINode>(userInst)) continue;
      if (userInst->isTerminator() || userInst->mayHaveSideEffects()) return true;
      if (seen.insert(userInst).second) work.push_back(userInst);
    }
  }
  return false;
}

// The code generator's MachineSink moves an instruction whose uses all lie
// in one successor of its block (or on one outgoing edge, for a phi) into
// that successor, and with it the instructions of the block that only feed
// it: a load used only after a trap check, or only in one arm of an `if`,
// or only through a compare and a select whose result is used there (the
// fuzzer's seed 101245), would then run after the check, or not at all on
// the other arm. An empty inline asm that takes the value at the end of the
// load's block (no instruction, and the value is live there anyway) keeps
// such a load where it is. A load whose value a store, a call or the
// block's branch consumes stays anyway.
void pinLoads(llvm::Function& function) {
  llvm::LLVMContext& ctx = function.getContext();
  for (llvm::BasicBlock& block : function) {
    std::vector<llvm::LoadInst*> pin;
    for (llvm::Instruction& inst : block) {
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&inst);
      if (!load || !load->isSimple() || load->use_empty() || !readsLinearMemory(*load)) continue;
      if (!consumedInBlock(*load)) pin.push_back(load);
    }
    if (pin.empty()) continue;
    llvm::IRBuilder<> b(block.getTerminator());
    for (llvm::LoadInst* load : pin) {
      llvm::Type* type = load->getType();
      auto* asmType = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {type}, false);
      const char* constraint = type->isIntegerTy() ? "r" : "x";  // XMM for floats and vectors
      b.CreateCall(llvm::InlineAsm::get(asmType, "", constraint, /*hasSideEffects=*/true), {load});
    }
  }
}

}  // namespace

bool isKeep(const llvm::Instruction& inst) {
  auto* call = llvm::dyn_cast<llvm::CallInst>(&inst);
  if (!call) return false;
  const llvm::Function* callee = call->getCalledFunction();
  return callee && callee->getName() == kKeepName;
}

llvm::Function* declareKeep(llvm::Module& module) {
  if (llvm::Function* existing = module.getFunction(kKeepName)) return existing;
  llvm::LLVMContext& ctx = module.getContext();
  auto* type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx),
                                       {llvm::Type::getInt32Ty(ctx), llvm::Type::getInt64Ty(ctx),
                                        llvm::Type::getInt128Ty(ctx)},
                                       false);
  llvm::Function* keep = llvm::Function::Create(type, llvm::Function::ExternalLinkage, kKeepName, module);
  // An effect on memory nothing else reads or writes: the call is never
  // deleted, and nothing but its operands orders it against other code.
  keep->setMemoryEffects(llvm::MemoryEffects::inaccessibleMemOnly());
  keep->addFnAttr(llvm::Attribute::NoUnwind);
  keep->addFnAttr(llvm::Attribute::WillReturn);
  keep->addFnAttr(llvm::Attribute::NoSync);
  return keep;
}

// A memset, memcpy or memmove that LLVM formed from wasm stores and loads
// (MemCpyOpt merges a run of stores into a memset) would run in libc when
// large or of unknown size, and a fault there is no trap but a crash of the
// host: it becomes a loop in the function. Small constant sizes are emitted
// inline anyway. (Loop idiom recognition, which would turn whole loops into
// such calls, is off: codegen.cpp.)
bool expandUncheckedMemIntrinsics(llvm::Function& function, llvm::FunctionAnalysisManager& analyses) {
  std::vector<llvm::MemIntrinsic*> expand;
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& inst : block) {
      auto* mem = llvm::dyn_cast<llvm::MemIntrinsic>(&inst);
      if (!mem || mem->getMetadata(kCheckedMemMetadata)) continue;
      auto* length = llvm::dyn_cast<llvm::ConstantInt>(mem->getLength());
      if (!length || length->getZExtValue() > 64) expand.push_back(mem);
    }
  }
  if (expand.empty()) return false;
  const llvm::TargetTransformInfo& tti = analyses.getResult<llvm::TargetIRAnalysis>(function);
  for (llvm::MemIntrinsic* mem : expand) {
    if (auto* set = llvm::dyn_cast<llvm::MemSetInst>(mem)) {
      llvm::expandMemSetAsLoop(set);
    } else if (auto* copy = llvm::dyn_cast<llvm::MemCpyInst>(mem)) {
      llvm::expandMemCpyAsLoop(copy, tti);
    } else if (auto* move = llvm::dyn_cast<llvm::MemMoveInst>(mem)) {
      if (!llvm::expandMemMoveAsLoop(move, tti)) continue;
    } else {
      continue;
    }
    mem->eraseFromParent();
  }
  return true;
}

llvm::PreservedAnalyses ExactTrapsPass::run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses) {
  bool expanded = expandUncheckedMemIntrinsics(function, analyses);
  std::vector<llvm::Instruction*> keeps;
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& inst : block) {
      if (isKeep(inst)) keeps.push_back(&inst);
    }
  }
  if (keeps.empty()) return expanded ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();

  // Loads the program does not need stay, as volatile loads.
  const llvm::DenseSet<llvm::Instruction*> live = liveInstructions(function);
  for (llvm::BasicBlock& block : function) {
    for (llvm::Instruction& inst : block) {
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&inst);
      if (load && !live.contains(load) && load->isSimple() && readsLinearMemory(*load)) load->setVolatile(true);
    }
  }
  for (llvm::Instruction* keep : keeps) keep->eraseFromParent();
  // What fed only the tokens goes (their phis in loops feed each other,
  // which LLVM's aggressive dead code elimination sees through). The
  // analyses it asks for are computed afresh: the expansion above may have
  // changed the control flow.
  analyses.invalidate(function, llvm::PreservedAnalyses::none());
  llvm::ADCEPass().run(function, analyses);
  pinLoads(function);
  return llvm::PreservedAnalyses::none();
}

}  // namespace kiln::codegen
