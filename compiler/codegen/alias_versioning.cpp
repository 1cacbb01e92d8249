#include "codegen/alias_versioning.h"

#include <llvm/Analysis/AssumptionCache.h>
#include <llvm/Analysis/LoopAccessAnalysis.h>
#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Module.h>
#include <llvm/Transforms/Utils/LoopSimplify.h>
#include <llvm/Transforms/Utils/LoopUtils.h>
#include <llvm/Transforms/Utils/LoopVersioning.h>

namespace kiln::codegen {

namespace {

// LoopAccessAnalysis's own limit on the checks the vectorizer may emit.
constexpr size_t kMaxChecks = 8;

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

}  // namespace

llvm::PreservedAnalyses AliasVersioningPass::run(llvm::Function& function, llvm::FunctionAnalysisManager& analyses) {
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
    if (!loop->isLoopSimplifyForm() || !loop->isRotatedForm() || !loop->getExitingBlock()) continue;
    const llvm::LoopAccessInfo& info = accessInfos.getInfo(*loop);
    const llvm::RuntimePointerChecking* checking = info.getRuntimePointerChecking();
    if (!info.canVectorizeMemory() || info.hasConvergentOp() || !checking->Need) continue;

    llvm::SmallVector<llvm::RuntimePointerCheck, 8> kept;
    size_t dropped = 0;
    for (const llvm::RuntimePointerCheck& check : checking->getChecks()) {
      if (groupsInterleave(*checking, *check.first, *check.second, *loop, se)) {
        ++dropped;
      } else {
        kept.push_back(check);
      }
    }
    // Without a dropped check the vectorizer's own versioning is as good.
    if (dropped == 0 || kept.empty() || kept.size() > kMaxChecks) continue;

    llvm::formLCSSARecursively(*loop, dominators, &loops, &se);
    llvm::LoopVersioning versioning(info, kept, loop, &loops, &dominators, &se);
    versioning.versionLoop();
    versioning.annotateLoopWithNoAlias();
    // The original loop runs only when the arrays do overlap: the vectorizer's
    // own checks, a superset of these, would fail there too.
    llvm::addStringMetadataToLoop(versioning.getNonVersionedLoop(), "llvm.loop.vectorize.enable", 0);
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
