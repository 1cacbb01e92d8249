#include "codegen/access_versioning.h"

#include <cstddef>

#include <llvm/Analysis/AssumptionCache.h>
#include <llvm/Analysis/LoopAccessAnalysis.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Utils/LoopUtils.h>
#include <llvm/Transforms/Utils/LoopVersioning.h>
#include <llvm/Transforms/Utils/ScalarEvolutionExpander.h>

#include "codegen/exact_traps.h"
#include "codegen/module_context.h"

namespace kiln::codegen {

namespace {

// LoopAccessAnalysis's own limit on the checks the vectorizer may emit.
constexpr size_t kMaxChecks = 8;
// Bounds on what one loop may cost in checks and in duplicated code.
constexpr size_t kMaxWidenedAddresses = 16;
constexpr size_t kMaxLoopInstructions = 256;

// The widest load or store through `pointer` in `loop`, in bytes; 0 if none.
uint64_t accessSize(llvm::Value* pointer, const llvm::Loop& loop, const llvm::DataLayout& layout) {
  uint64_t size = 0;
  for (llvm::User* user : pointer->users()) {
    auto* inst = llvm::dyn_cast<llvm::Instruction>(user);
    if (!inst || !loop.contains(inst) || llvm::getLoadStorePointerOperand(inst) != pointer) continue;
    size = std::max<uint64_t>(size, layout.getTypeStoreSize(llvm::getLoadStoreType(inst)).getFixedValue());
  }
  return size;
}

// Whether two access streams of `loop` can never touch the same byte: both
// advance by the same constant stride, start a constant distance apart, and
// that distance (modulo the stride) leaves room for both accesses.
bool interleaveWithoutOverlap(const llvm::RuntimePointerChecking::PointerInfo& a,
                              const llvm::RuntimePointerChecking::PointerInfo& b, const llvm::Loop& loop,
                              llvm::ScalarEvolution& se) {
  auto* recA = llvm::dyn_cast<llvm::SCEVAddRecExpr>(a.Expr);
  auto* recB = llvm::dyn_cast<llvm::SCEVAddRecExpr>(b.Expr);
  if (!recA || !recB || recA->getLoop() != &loop || recB->getLoop() != &loop) return false;
  if (!recA->isAffine() || !recB->isAffine() || recA->getStepRecurrence(se) != recB->getStepRecurrence(se)) {
    return false;
  }
  auto* step = llvm::dyn_cast<llvm::SCEVConstant>(recA->getStepRecurrence(se));
  auto* distance = llvm::dyn_cast<llvm::SCEVConstant>(se.getMinusSCEV(recB->getStart(), recA->getStart()));
  if (!step || !distance) return false;
  const llvm::DataLayout& layout = loop.getHeader()->getModule()->getDataLayout();
  uint64_t sizeA = accessSize(a.PointerValue, loop, layout);
  uint64_t sizeB = accessSize(b.PointerValue, loop, layout);
  int64_t stride = step->getAPInt().getSExtValue();
  if (stride < 0) stride = -stride;
  if (sizeA == 0 || sizeB == 0 || stride == 0 || stride > (int64_t{1} << 20)) return false;
  // B's bytes relative to A's, folded into one stride period.
  int64_t offset = distance->getAPInt().getSExtValue() % stride;
  if (offset < 0) offset += stride;
  return static_cast<uint64_t>(offset) >= sizeA && static_cast<uint64_t>(offset) + sizeB <= static_cast<uint64_t>(stride);
}

bool groupsInterleave(const llvm::RuntimePointerChecking& checking, const llvm::RuntimeCheckingPtrGroup& a,
                      const llvm::RuntimeCheckingPtrGroup& b, const llvm::Loop& loop, llvm::ScalarEvolution& se) {
  for (unsigned i : a.Members) {
    for (unsigned j : b.Members) {
      if (!interleaveWithoutOverlap(checking.getPointerInfo(i), checking.getPointerInfo(j), loop, se)) return false;
    }
  }
  return true;
}

// Whether `value`, directly or through an add (the static offset), indexes
// linear memory.
bool feedsAddress(llvm::Value* value, int depth = 0) {
  for (llvm::User* user : value->users()) {
    if (llvm::isa<llvm::GetElementPtrInst>(user)) return true;
    auto* add = llvm::dyn_cast<llvm::BinaryOperator>(user);
    if (add && add->getOpcode() == llvm::Instruction::Add && depth < 2 && feedsAddress(add, depth + 1)) return true;
  }
  return false;
}

// A 32-bit address that advances by a constant each iteration, and the
// zero extension that makes it a 64-bit index.
struct WrappingAddress {
  llvm::ZExtInst* zext;
  const llvm::SCEVAddRecExpr* recurrence;
};

// The loop's zero-extended 32-bit address recurrences, when the trip count
// is known (the no-wrap check needs it) and there are few enough of them.
llvm::SmallVector<WrappingAddress, 8> wrappingAddresses(llvm::Loop& loop, llvm::ScalarEvolution& se) {
  llvm::SmallVector<WrappingAddress, 8> found;
  if (llvm::isa<llvm::SCEVCouldNotCompute>(se.getBackedgeTakenCount(&loop))) return found;
  size_t instructions = 0;
  for (llvm::BasicBlock* block : loop.blocks()) {
    instructions += block->size();
    for (llvm::Instruction& inst : *block) {
      auto* zext = llvm::dyn_cast<llvm::ZExtInst>(&inst);
      if (!zext || !zext->getSrcTy()->isIntegerTy(32) || !zext->getDestTy()->isIntegerTy(64)) continue;
      auto* rec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(se.getSCEV(zext->getOperand(0)));
      if (!rec || rec->getLoop() != &loop || !rec->isAffine()) continue;
      if (!llvm::isa<llvm::SCEVConstant>(rec->getStepRecurrence(se)) || !feedsAddress(zext)) continue;
      found.push_back({zext, rec});
    }
  }
  if (found.size() > kMaxWidenedAddresses || instructions > kMaxLoopInstructions) found.clear();
  return found;
}

// Asks, through the loop's predicates, that no address wraps: zext(p + i*s)
// == zext(p) + i*sext(s) for every iteration i (LLVM's IncrementNUSW).
void requireNoWrap(llvm::ArrayRef<WrappingAddress> addresses, llvm::PredicatedScalarEvolution& pse,
                   llvm::ScalarEvolution& se) {
  for (const WrappingAddress& address : addresses) {
    auto flags = llvm::SCEVWrapPredicate::clearFlags(llvm::SCEVWrapPredicate::IncrementNUSW,
                                                     llvm::SCEVWrapPredicate::getImpliedFlags(address.recurrence, se));
    if (flags != llvm::SCEVWrapPredicate::IncrementAnyWrap) {
      pse.addPredicate(*se.getWrapPredicate(address.recurrence, flags));
    }
  }
}

// Replaces each zero extension by the 64-bit recurrence it equals once no
// address wraps.
void widenAddresses(llvm::ArrayRef<WrappingAddress> addresses, llvm::Loop& loop, llvm::ScalarEvolution& se) {
  if (addresses.empty()) return;
  llvm::Type* i64 = addresses.front().zext->getDestTy();
  llvm::SCEVExpander expander(se, loop.getHeader()->getModule()->getDataLayout(), "wide");
  for (const WrappingAddress& address : addresses) {
    const llvm::SCEV* start = se.getZeroExtendExpr(address.recurrence->getStart(), i64);
    const llvm::SCEV* step = se.getSignExtendExpr(address.recurrence->getStepRecurrence(se), i64);
    const llvm::SCEV* wide = se.getAddRecExpr(start, step, &loop, llvm::SCEV::FlagAnyWrap);
    llvm::Value* value = expander.expandCodeFor(wide, i64, address.zext->getIterator());
    se.forgetValue(address.zext);
    address.zext->replaceAllUsesWith(value);
    address.zext->eraseFromParent();
  }
  se.forgetLoop(&loop);
}

// The highest linear-memory address (one past the last byte) that `loop`
// touches over its whole run, as an offset from the memory's base, and the
// base: every linear-memory access of the loop is affine in it (through the
// predicates this adds to `pse`, that no address wraps) and the trip count
// is known. Null when some access cannot be bounded so.
struct Bound {
  const llvm::SCEV* end = nullptr;
  llvm::LoadInst* memoryBase = nullptr;
};

Bound linearMemoryBound(llvm::Loop& loop, llvm::PredicatedScalarEvolution& pse, llvm::ScalarEvolution& se) {
  const llvm::SCEV* taken = se.getBackedgeTakenCount(&loop);
  if (llvm::isa<llvm::SCEVCouldNotCompute>(taken)) return {};
  const llvm::DataLayout& layout = loop.getHeader()->getModule()->getDataLayout();
  llvm::Type* i64 = llvm::Type::getInt64Ty(loop.getHeader()->getContext());
  Bound bound;
  for (llvm::BasicBlock* block : loop.blocks()) {
    for (llvm::Instruction& inst : *block) {
      llvm::Value* pointer = llvm::getLoadStorePointerOperand(&inst);
      if (!pointer) {
        if (inst.mayReadOrWriteMemory() && !llvm::isa<llvm::CallBase>(inst)) return {};  // atomics
        continue;
      }
      if (!accessesLinearMemory(inst)) continue;
      auto* base = llvm::dyn_cast<llvm::LoadInst>(llvm::getUnderlyingObject(pointer, 0));
      if (!base || (bound.memoryBase && base != bound.memoryBase) || loop.contains(base)) return {};
      bound.memoryBase = base;
      const llvm::SCEV* offset = se.getMinusSCEV(pse.getSCEV(pointer), se.getSCEV(base));
      const llvm::SCEV* first = offset;
      const llvm::SCEV* last = offset;
      if (!se.isLoopInvariant(offset, &loop)) {
        const llvm::SCEVAddRecExpr* rec = pse.getAsAddRec(pointer);
        if (!rec || rec->getLoop() != &loop || !rec->isAffine()) return {};
        offset = se.getMinusSCEV(rec, se.getSCEV(base));
        auto* offsetRec = llvm::dyn_cast<llvm::SCEVAddRecExpr>(offset);
        if (!offsetRec) return {};
        first = offsetRec->getStart();
        last = offsetRec->evaluateAtIteration(se.getTruncateOrZeroExtend(taken, first->getType()), se);
      }
      if (first->getType() != i64 || last->getType() != i64) return {};
      uint64_t size = layout.getTypeStoreSize(llvm::getLoadStoreType(&inst)).getFixedValue();
      const llvm::SCEV* end = se.getAddExpr(se.getUMaxExpr(first, last), se.getConstant(i64, size));
      bound.end = bound.end ? se.getUMaxExpr(bound.end, end) : end;
    }
  }
  if (!bound.end) return {};
  return bound;
}

// In the block that chooses between the two copies of a versioned loop,
// also takes the original when `bound` passes the memory's current size.
void requireInBounds(llvm::LoopVersioning& versioning, const Bound& bound, llvm::ScalarEvolution& se) {
  llvm::BasicBlock* check = versioning.getVersionedLoop()->getLoopPreheader()->getSinglePredecessor();
  auto* branch = check ? llvm::dyn_cast<llvm::BranchInst>(check->getTerminator()) : nullptr;
  if (!branch || !branch->isConditional()) {
    // Not the shape LoopVersioning makes: no copy may vectorize then.
    llvm::addStringMetadataToLoop(versioning.getVersionedLoop(), "llvm.loop.vectorize.enable", 0);
    return;
  }
  llvm::IRBuilder<> b(branch);
  llvm::SCEVExpander expander(se, check->getModule()->getDataLayout(), "bound");
  llvm::Value* end = expander.expandCodeFor(bound.end, b.getInt64Ty(), branch->getIterator());
  // vmctx->memory->size, from the vmctx memory_base was loaded from.
  llvm::Value* vmctx = bound.memoryBase->getPointerOperand();
  llvm::Value* memory = b.CreateLoad(b.getPtrTy(), b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), vmctx, offsetof(kiln_vmctx, memory)), "memory");
  llvm::Value* size = b.CreateLoad(b.getInt64Ty(), b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), memory, struct_offset::memorySize), "memory_size");
  // The condition is true when the original (scalar) loop must run.
  branch->setCondition(b.CreateOr(branch->getCondition(), b.CreateICmpUGT(end, size), "out_of_bounds"));
}

}  // namespace

llvm::PreservedAnalyses AccessVersioningPass::run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses) {
  auto& loops = analyses.getResult<llvm::LoopAnalysis>(function);
  auto& dominators = analyses.getResult<llvm::DominatorTreeAnalysis>(function);
  auto& se = analyses.getResult<llvm::ScalarEvolutionAnalysis>(function);
  auto& accessInfos = analyses.getResult<llvm::LoopAccessAnalysis>(function);
  auto& assumptions = analyses.getResult<llvm::AssumptionAnalysis>(function);

  llvm::SmallVector<llvm::Loop*, 8> innermost;
  for (llvm::Loop* loop : loops.getLoopsInPreorder()) {
    if (loop->isInnermost()) innermost.push_back(loop);
  }
  bool changed = false;
  for (llvm::Loop* loop : innermost) {
    // LoopVersioning's preconditions; the vectorizer establishes the same.
    if (llvm::simplifyLoop(loop, &dominators, &loops, &se, &assumptions, nullptr, false)) {
      accessInfos.clear();
      changed = true;
    }
    if (!loop->isLoopSimplifyForm() || !loop->isRotatedForm() || !loop->getExitingBlock() ||
        !loop->getExitBlock()) {
      continue;
    }
    llvm::SmallVector<WrappingAddress, 8> addresses = wrappingAddresses(*loop, se);
    const llvm::LoopAccessInfo& info = accessInfos.getInfo(*loop);
    const llvm::RuntimePointerChecking* checking = info.getRuntimePointerChecking();
    auto& pse = const_cast<llvm::PredicatedScalarEvolution&>(info.getPSE());
    // In guard-page mode a loop the vectorizer may take must be bounded
    // (access_versioning.h, Bounds).
    Bound bound;
    if (guardPages_ && info.canVectorizeMemory() && !info.hasConvergentOp()) {
      bound = linearMemoryBound(*loop, pse, se);
      if (!bound.end) {
        llvm::addStringMetadataToLoop(loop, "llvm.loop.vectorize.enable", 0);
        changed = true;
        continue;
      }
    }

    llvm::SmallVector<llvm::RuntimePointerCheck, 8> kept;
    if (info.canVectorizeMemory() && !info.hasConvergentOp() && checking->Need) {
      size_t dropped = 0;
      for (const llvm::RuntimePointerCheck& check : checking->getChecks()) {
        if (groupsInterleave(*checking, *check.first, *check.second, *loop, se)) {
          ++dropped;
        } else {
          kept.push_back(check);
        }
      }
      // Without a dropped check the vectorizer's own alias checks are as good.
      if (dropped == 0 || kept.size() > kMaxChecks) kept.clear();
    }
    if (addresses.empty() && kept.empty() && !bound.end) continue;

    // The analysis is cached and rebuilt below; its predicates are the
    // versioning condition LoopVersioning reads.
    requireNoWrap(addresses, pse, se);
    if (!kept.empty() || !pse.getPredicate().isAlwaysTrue() || bound.end) {
      llvm::formLCSSARecursively(*loop, dominators, &loops, &se);
      llvm::LoopVersioning versioning(info, kept, loop, &loops, &dominators, &se);
      versioning.versionLoop();
      if (bound.end) requireInBounds(versioning, bound, se);
      if (!kept.empty()) versioning.annotateLoopWithNoAlias();
      llvm::addStringMetadataToLoop(versioning.getNonVersionedLoop(), "llvm.loop.vectorize.enable", 0);
    }
    widenAddresses(addresses, *loop, se);
    accessInfos.clear();  // the CFG changed under every cached analysis
    changed = true;
  }
  if (!changed) return llvm::PreservedAnalyses::all();
  llvm::PreservedAnalyses preserved;
  preserved.preserve<llvm::LoopAnalysis>();
  preserved.preserve<llvm::DominatorTreeAnalysis>();
  return preserved;
}

}  // namespace kiln::codegen
