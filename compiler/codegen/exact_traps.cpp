// See exact_traps.h.
#include "codegen/exact_traps.h"

#include <llvm/ADT/DenseMap.h>
#include <llvm/ADT/STLExtras.h>
#include <llvm/ADT/SmallPtrSet.h>
#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/TargetTransformInfo.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Metadata.h>
#include <llvm/Support/ModRef.h>
#include <llvm/Transforms/Scalar/ADCE.h>
#include <llvm/Transforms/Utils/LoopUtils.h>
#include <llvm/Transforms/Utils/LowerMemIntrinsics.h>

#include "codegen/module_context.h"

#include <algorithm>
#include <vector>

namespace kiln::codegen {

namespace {

constexpr const char* kKeepName = "kiln.keep";
constexpr const char* kStayName = "kiln.stay";

bool isCallOf(const llvm::Instruction& inst, const char* name) {
  auto* call = llvm::dyn_cast<llvm::CallInst>(&inst);
  if (!call) return false;
  const llvm::Function* callee = call->getCalledFunction();
  return callee && callee->getName() == name;
}

// Whether `value` is the same in every iteration of `loop`: defined outside
// it, or computed inside it without memory from values that are.
bool invariantIn(const llvm::Loop& loop, llvm::Value* value, int depth = 0) {
  auto* inst = llvm::dyn_cast<llvm::Instruction>(value);
  if (!inst || !loop.contains(inst)) return true;
  if (depth > 8 || inst->mayReadOrWriteMemory() || llvm::isa<llvm::PHINode>(inst) || inst->isTerminator()) {
    return false;
  }
  for (llvm::Value* operand : inst->operands()) {
    if (!invariantIn(loop, operand, depth + 1)) return false;
  }
  return true;
}

bool isStore(const llvm::Instruction& inst) {
  return llvm::isa<llvm::StoreInst>(inst) || llvm::isa<llvm::MemIntrinsic>(inst);
}

// Whether a store of the same iteration of `loop` may run before `block`
// starts: one in a block of the loop from which `block` is reached without
// passing the loop's header again. Cached per loop and block.
class StoresBefore {
 public:
  bool operator()(const llvm::Loop& loop, llvm::BasicBlock* block) {
    if (block == loop.getHeader()) return false;
    auto [it, inserted] = cache_.try_emplace({&loop, block}, false);
    if (!inserted) return it->second;
    bool found = false;
    llvm::SmallPtrSet<llvm::BasicBlock*, 16> seen{block};
    llvm::SmallVector<llvm::BasicBlock*, 16> work{block};
    while (!work.empty() && !found) {
      llvm::BasicBlock* current = work.pop_back_val();
      for (llvm::BasicBlock* pred : llvm::predecessors(current)) {
        if (!loop.contains(pred) || !seen.insert(pred).second) continue;
        if (llvm::any_of(*pred, isStore)) {
          found = true;
          break;
        }
        if (pred != loop.getHeader()) work.push_back(pred);
      }
    }
    cache_[{&loop, block}] = found;
    return found;
  }

 private:
  llvm::DenseMap<std::pair<const llvm::Loop*, llvm::BasicBlock*>, bool> cache_;
};

bool readsLinearMemory(const llvm::LoadInst& load) { return accessesLinearMemory(load); }

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

// What keeps `load` in its own block. Nothing needs to when its value is
// consumed there by something the code generator keeps there (a store, a
// call, the terminator's branch), directly or through the block's other
// instructions: returns null. Otherwise returns a value computed in the
// block from the load that is used outside it (by a phi or by another
// block): the value to pin. Pinning the last value of the chain rather than
// the load costs nothing, since that value is live out of the block in a
// register anyway, where pinning the load itself would keep it from being
// folded into the instruction that uses it (crc32 ran 45 % more
// instructions that way).
constexpr size_t kMaxChainWalk = 64;

llvm::Instruction* pinTarget(llvm::LoadInst& load) {
  llvm::BasicBlock* block = load.getParent();
  llvm::SmallPtrSet<llvm::Instruction*, 16> seen{&load};
  llvm::SmallVector<llvm::Instruction*, 16> work{&load};
  llvm::Instruction* target = nullptr;
  auto better = [](llvm::Instruction* a, llvm::Instruction* b) {  // prefer a general register
    auto general = [](llvm::Type* t) { return t->isPointerTy() || (t->isIntegerTy() && t->getIntegerBitWidth() <= 64); };
    return !b || (general(a->getType()) && !general(b->getType()));
  };
  // SelectionDAG splits a branch on `a && b` or `a || b` (an i1 and, or or
  // select) into two branches, the second in a block of its own: a load
  // that feeds only `b` then runs only when `a` does not decide (fuzz seed
  // 300770). A branch on such a condition does not keep the load.
  bool throughLogic = false;
  while (!work.empty()) {
    // A long chain (a straight-line body of a million loads and adds)
    // would make this quadratic in the block: past a bound, the load
    // itself is pinned, which is always enough.
    if (seen.size() > kMaxChainWalk) return &load;
    llvm::Instruction* inst = work.pop_back_val();
    for (llvm::User* user : inst->users()) {
      auto* userInst = llvm::cast<llvm::Instruction>(user);
      // A phi's use lies on an edge: the code generator may sink the load
      // onto a split edge, off the block's other paths (found by the
      // fuzzer: seed 106369).
      if (userInst->getParent() != block || llvm::isa<llvm::PHINode>(userInst)) {
        if (better(inst, target)) target = inst;
        continue;
      }
      if (userInst->mayHaveSideEffects()) return nullptr;
      if (userInst->isTerminator()) {
        if (!throughLogic) return nullptr;
        continue;
      }
      if (userInst->getType()->isIntOrIntVectorTy(1) &&
          (llvm::isa<llvm::SelectInst>(userInst) || userInst->getOpcode() == llvm::Instruction::And ||
           userInst->getOpcode() == llvm::Instruction::Or)) {
        throughLogic = true;
      }
      if (seen.insert(userInst).second) work.push_back(userInst);
    }
  }
  if (throughLogic) return &load;
  return target;
}

// An empty `asm sideeffect` that takes `value` in registers: a general
// register for integers up to 64 bits and pointers, an XMM register for
// floats and 128-bit vectors; narrower vectors as an integer, wider values
// (a vectorized loop's loads, i128) in pieces of those sizes.
void pinValue(llvm::IRBuilder<>& b, llvm::Value* value) {
  llvm::Type* type = value->getType();
  const llvm::DataLayout& layout = b.GetInsertBlock()->getModule()->getDataLayout();
  uint64_t bits = layout.getTypeSizeInBits(type).getFixedValue();
  auto emit = [&](llvm::Value* piece, const char* constraint) {
    auto* asmType = llvm::FunctionType::get(b.getVoidTy(), {piece->getType()}, false);
    b.CreateCall(llvm::InlineAsm::get(asmType, "", constraint, /*hasSideEffects=*/true), {piece});
  };
  if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(type); vector && vector->getElementType()->isPointerTy()) {
    pinValue(b, b.CreatePtrToInt(value, llvm::FixedVectorType::get(b.getInt64Ty(), vector->getNumElements())));
  } else if (type->isIntegerTy() && bits < 8) {
    emit(b.CreateZExt(value, b.getInt8Ty()), "r");  // a compare's i1
  } else if (type->isPointerTy() || (type->isIntegerTy() && bits <= 64)) {
    emit(value, "r");
  } else if (type->isIntegerTy()) {
    for (uint64_t low = 0; low < bits; low += 64) {
      emit(b.CreateTrunc(b.CreateLShr(value, low), b.getInt64Ty()), "r");
    }
  } else if (type->isFloatTy() || type->isDoubleTy() || bits == 128) {
    emit(value, "x");
  } else if (type->isVectorTy() && bits <= 64 && bits % 8 == 0) {
    emit(b.CreateBitCast(value, b.getIntNTy(static_cast<unsigned>(bits))), "r");  // <2 x i8>: a general register
  } else if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(type); vector && bits % 128 != 0) {
    for (unsigned lane = 0; lane < vector->getNumElements(); ++lane) pinValue(b, b.CreateExtractElement(value, lane));
  } else if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(type)) {
    unsigned lanes = vector->getNumElements();
    unsigned perPiece = std::max<unsigned>(1, static_cast<unsigned>(128 / (bits / lanes)));
    for (unsigned first = 0; first < lanes; first += perPiece) {
      llvm::SmallVector<int, 16> mask;
      for (unsigned lane = first; lane < std::min(lanes, first + perPiece); ++lane) mask.push_back(static_cast<int>(lane));
      emit(b.CreateShuffleVector(value, mask), "x");
    }
  }
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
  for (llvm::BasicBlock& block : function) {
    std::vector<llvm::Instruction*> pin;
    for (llvm::Instruction& inst : block) {
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&inst);
      if (!load || !load->isSimple() || load->use_empty() || !readsLinearMemory(*load)) continue;
      llvm::Instruction* target = pinTarget(*load);
      if (target && llvm::find(pin, target) == pin.end()) pin.push_back(target);
    }
    if (pin.empty()) continue;
    llvm::IRBuilder<> b(block.getTerminator());
    for (llvm::Instruction* value : pin) pinValue(b, value);
  }
}

// The code generator reorders memory accesses within a block that it can
// tell apart (same base, different constant offsets): SelectionDAG's
// combiner moves a load above earlier stores to other addresses and merges
// adjacent stores into one wider store, and the machine scheduler may do
// the same. A faulting load moved above a store, or a store merged with
// the faulting one after it, loses a store that came before the trap in
// program order. An empty `asm sideeffect` is a point none of them moves
// memory accesses across: one goes before every linear-memory access that
// follows a store in its block (calls, which are such points already, end
// the run).
void orderAfterStores(llvm::Function& function) {
  llvm::LLVMContext& ctx = function.getContext();
  auto* barrierType = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), false);
  llvm::InlineAsm* barrier = llvm::InlineAsm::get(barrierType, "", "", /*hasSideEffects=*/true);
  for (llvm::BasicBlock& block : function) {
    bool stored = false;
    for (llvm::Instruction& inst : block) {
      bool store = llvm::isa<llvm::StoreInst>(inst) || llvm::isa<llvm::MemIntrinsic>(inst) ||
                   llvm::isa<llvm::AtomicRMWInst>(inst) || llvm::isa<llvm::AtomicCmpXchgInst>(inst);
      bool access = store || llvm::isa<llvm::LoadInst>(inst);
      if (!access) {
        if (auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
            call && !llvm::isa<llvm::IntrinsicInst>(call) && call->mayHaveSideEffects()) {
          stored = false;
        }
        continue;
      }
      if (stored && (llvm::isa<llvm::MemIntrinsic>(inst) || accessesLinearMemory(inst))) {
        llvm::CallInst::Create(barrierType, barrier, {}, "", inst.getIterator());
        stored = false;
      }
      stored = stored || store;
    }
  }
}

}  // namespace

bool isKeep(const llvm::Instruction& inst) { return isCallOf(inst, kKeepName); }

bool accessesLinearMemory(const llvm::Instruction& access) {
  const llvm::MDNode* tag = access.getMetadata(llvm::LLVMContext::MD_tbaa);
  if (!tag || tag->getNumOperands() < 1) return true;
  const auto* type = llvm::dyn_cast<llvm::MDNode>(tag->getOperand(0));
  if (!type || type->getNumOperands() < 1) return true;
  const auto* name = llvm::dyn_cast<llvm::MDString>(type->getOperand(0));
  return !name || name->getString() == kLinearMemoryTbaaName;
}

llvm::PreservedAnalyses HoistBarrierPass::run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses) {
  llvm::Module& module = *function.getParent();
  auto& loops = analyses.getResult<llvm::LoopAnalysis>(function);
  if (loops.empty()) return llvm::PreservedAnalyses::all();
  std::vector<llvm::LoadInst*> bar;
  StoresBefore storesBefore;
  for (llvm::BasicBlock& block : function) {
    llvm::Loop* loop = loops.getLoopFor(&block);
    if (!loop) continue;
    // Walking the block once: a store before the load in its block, or a
    // kiln.stay (which already keeps every load after it in the loop).
    bool storeHere = false;
    bool barred = false;
    for (llvm::Instruction& inst : block) {
      if (isCallOf(inst, kStayName)) barred = true;
      if (isStore(inst)) storeHere = true;
      auto* load = llvm::dyn_cast<llvm::LoadInst>(&inst);
      if (barred || !load || !load->isSimple() || !readsLinearMemory(*load)) continue;
      // Invariant in the innermost loop or any loop around it: LICM hoists
      // out of each.
      for (llvm::Loop* l = loop; l; l = l->getParentLoop()) {
        if (invariantIn(*l, load->getPointerOperand()) && (storeHere || storesBefore(*l, &block))) {
          bar.push_back(load);
          barred = true;  // the kiln.stay before it keeps the rest of the block in place too
          // SimpleLoopUnswitch's partial unswitching (-O3) copies the loads
          // of a condition that no store in the loop changes into the
          // preheader, whatever comes before them.
          for (llvm::Loop* outer = loop; outer; outer = outer->getParentLoop()) {
            if (!llvm::findOptionMDForLoop(outer, "llvm.loop.unswitch.partial.disable")) {
              llvm::addStringMetadataToLoop(outer, "llvm.loop.unswitch.partial.disable", 1);
            }
          }
          break;
        }
      }
    }
  }
  if (bar.empty()) return llvm::PreservedAnalyses::all();
  llvm::Function* stay = module.getFunction(kStayName);
  if (!stay) {
    llvm::LLVMContext& ctx = module.getContext();
    stay = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), false),
                                  llvm::Function::ExternalLinkage, kStayName, module);
    // Like kiln.keep, but not `willreturn`: LLVM cannot assume that what
    // follows it executes whenever what precedes it does.
    stay->setMemoryEffects(llvm::MemoryEffects::inaccessibleMemOnly());
    stay->addFnAttr(llvm::Attribute::NoUnwind);
    stay->addFnAttr(llvm::Attribute::NoSync);
    stay->addFnAttr(llvm::Attribute::NoFree);
  }
  for (llvm::LoadInst* load : bar) {
    llvm::Instruction* before = load->getPrevNode();
    if (before && isCallOf(*before, kStayName)) continue;
    llvm::CallInst::Create(stay, {}, "", load->getIterator());
  }
  llvm::PreservedAnalyses preserved;
  preserved.preserveSet<llvm::CFGAnalyses>();
  return preserved;
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
      if (isKeep(inst) || isCallOf(inst, kStayName)) keeps.push_back(&inst);
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
  orderAfterStores(function);
  return llvm::PreservedAnalyses::none();
}

}  // namespace kiln::codegen
