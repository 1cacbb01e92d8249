#include "codegen/interrupt_checks.h"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Transforms/Utils/SSAUpdater.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "codegen/module_context.h"

namespace kiln::codegen {
namespace {

// The back edges of a depth-first search from the entry block, as (source,
// target). Every cycle of the graph contains a back edge of any such search.
std::vector<std::pair<llvm::BasicBlock*, llvm::BasicBlock*>> backEdges(llvm::Function& fn) {
  std::vector<std::pair<llvm::BasicBlock*, llvm::BasicBlock*>> edges;
  std::set<llvm::BasicBlock*> visited, onPath;
  // (block, index of the next successor to visit)
  std::vector<std::pair<llvm::BasicBlock*, unsigned>> stack;
  llvm::BasicBlock* entry = &fn.getEntryBlock();
  stack.emplace_back(entry, 0);
  visited.insert(entry);
  onPath.insert(entry);
  while (!stack.empty()) {
    auto& [block, next] = stack.back();
    llvm::Instruction* term = block->getTerminator();
    unsigned count = term ? term->getNumSuccessors() : 0;
    if (next == count) {
      onPath.erase(block);
      stack.pop_back();
      continue;
    }
    llvm::BasicBlock* succ = term->getSuccessor(next++);
    if (onPath.count(succ)) {
      edges.emplace_back(block, succ);
    } else if (visited.insert(succ).second) {
      onPath.insert(succ);
      stack.emplace_back(succ, 0);
    }
  }
  return edges;
}

// The wasm function an instruction came from (kOriginMetadata), if tagged.
std::optional<uint32_t> originOf(const llvm::Instruction* inst) {
  const llvm::MDNode* tag = inst->getMetadata(kOriginMetadata);
  if (!tag || tag->getNumOperands() != 1) return std::nullopt;
  auto* value = llvm::mdconst::dyn_extract<llvm::ConstantInt>(tag->getOperand(0));
  if (!value) return std::nullopt;
  return static_cast<uint32_t>(value->getZExtValue());
}

// How many loop iterations may pass between two reads of the interrupt word
// (a count for the whole function, so nested loops share it).
llvm::cl::opt<unsigned> gCountdown("kiln-epoch-countdown", llvm::cl::init(1024),
                                   llvm::cl::desc("Loop iterations between two reads of the interrupt word"));

// A short loop (below) runs at most this many iterations, and at most
// kShortLoopWork instructions in all, between two checks.
constexpr unsigned kShortLoopTrips = 1u << 16;
constexpr uint64_t kShortLoopWork = 1u << 22;

// If `loop` is innermost, has a preheader and a small constant bound on its
// trip count, that bound: the loop needs no check of its own if its
// preheader charges the countdown for all its iterations at once.
unsigned shortLoopTrips(llvm::Loop* loop, llvm::ScalarEvolution& scev) {
  if (!loop->isInnermost() || !loop->getLoopPreheader()) return 0;
  unsigned trips = scev.getSmallConstantMaxTripCount(loop);
  if (trips == 0 || trips > kShortLoopTrips) return 0;
  uint64_t size = 0;
  for (llvm::BasicBlock* block : loop->blocks()) size += block->size();
  return size * trips <= kShortLoopWork ? trips : 0;
}

}  // namespace

// Whether every iteration of the natural loop headed by `header` runs a stack
// check (a block of the loop that dominates all its latches has one): such
// a loop is interruptible already.
bool checkedEveryIteration(llvm::BasicBlock* header, const llvm::LoopInfo& loops, const llvm::DominatorTree& dom) {
  const llvm::Loop* loop = loops.getLoopFor(header);
  if (!loop || loop->getHeader() != header) return false;  // irreducible
  llvm::SmallVector<llvm::BasicBlock*, 4> latches;
  loop->getLoopLatches(latches);
  for (llvm::BasicBlock* block : loop->blocks()) {
    bool checks = false;
    for (const llvm::Instruction& inst : *block) checks = checks || inst.getMetadata(kStackCheckMetadata);
    if (!checks) continue;
    bool everyIteration = true;
    for (llvm::BasicBlock* latch : latches) everyIteration = everyIteration && dom.dominates(block, latch);
    if (everyIteration) return true;
  }
  return false;
}

llvm::PreservedAnalyses InterruptCheckPass::run(llvm::Function& fn, llvm::FunctionAnalysisManager& analyses) {
  if (fn.isDeclaration() || !fn.hasFnAttribute(kFuncIndexAttr)) return llvm::PreservedAnalyses::all();
  uint64_t funcIndex = 0;
  fn.getFnAttribute(kFuncIndexAttr).getValueAsString().getAsInteger(10, funcIndex);

  // The loop headers, in function order, and which wasm function each loop
  // came from (one inlined from another function names that one in the
  // trap).
  std::map<llvm::BasicBlock*, std::optional<uint32_t>> headers;
  for (auto [latch, header] : backEdges(fn)) {
    std::optional<uint32_t>& origin = headers[header];
    if (!origin) origin = originOf(latch->getTerminator());
  }
  if (headers.empty()) return llvm::PreservedAnalyses::all();
  const llvm::LoopInfo& loops = analyses.getResult<llvm::LoopAnalysis>(fn);
  const llvm::DominatorTree& dom = analyses.getResult<llvm::DominatorTreeAnalysis>(fn);
  llvm::ScalarEvolution& scev = analyses.getResult<llvm::ScalarEvolutionAnalysis>(fn);
  // A check splits its block before `at`, counts down by `weight` and, at
  // zero or below, reads the interrupt word.
  struct Site {
    llvm::Instruction* at;
    uint32_t weight;
    uint32_t origin;
  };
  std::vector<Site> sites;
  for (llvm::BasicBlock& block : fn) {
    auto it = headers.find(&block);
    if (it == headers.end() || checkedEveryIteration(&block, loops, dom)) continue;
    std::optional<uint32_t> origin = it->second;
    for (const llvm::Instruction& inst : block)
      if (!origin) origin = originOf(&inst);
    uint32_t where = origin.value_or(static_cast<uint32_t>(funcIndex));
    // A short loop is charged on entry, in its preheader (unless that
    // block is a loop header with a check of its own), and runs unchecked.
    llvm::Loop* loop = loops.getLoopFor(&block);
    if (loop && loop->getHeader() == &block) {
      unsigned trips = shortLoopTrips(loop, scev);
      if (trips && !headers.count(loop->getLoopPreheader())) {
        sites.push_back({loop->getLoopPreheader()->getTerminator(), trips, where});
        continue;
      }
    }
    sites.push_back({&*block.getFirstInsertionPt(), 1, where});
  }
  if (sites.empty()) return llvm::PreservedAnalyses::all();
  // The function can trap now: keep its frame for backtraces
  // (KILN_FLAG_FRAME_POINTERS).
  fn.addFnAttr("frame-pointer", "all");

  llvm::Module& module = *fn.getParent();
  llvm::LLVMContext& ctx = fn.getContext();
  llvm::Type* ptrTy = llvm::PointerType::get(ctx, 0);
  llvm::Type* i8Ty = llvm::Type::getInt8Ty(ctx);
  llvm::Type* i32Ty = llvm::Type::getInt32Ty(ctx);
  llvm::Value* vmctx = fn.getArg(0);
  llvm::MDNode* invariant = llvm::MDNode::get(ctx, {});
  llvm::MDNode* unlikely = llvm::MDBuilder(ctx).createBranchWeights(1, 1u << 20);
  llvm::Constant* countdown = llvm::ConstantInt::get(i32Ty, gCountdown < 1 ? 1u : unsigned(gCountdown));

  // The limits block never moves: find it once, at entry.
  llvm::BasicBlock& entry = fn.getEntryBlock();
  llvm::IRBuilder<> b(ctx);
  b.SetInsertPoint(&*entry.getFirstInsertionPt());
  llvm::LoadInst* limits = b.CreateAlignedLoad(
      ptrTy, b.CreateConstInBoundsGEP1_64(i8Ty, vmctx, vmctx_offset::limits), llvm::Align(8), "limits");
  limits->setMetadata(llvm::LLVMContext::MD_invariant_load, invariant);
  llvm::Value* interruptPtr =
      b.CreateConstInBoundsGEP1_64(i8Ty, limits, struct_offset::limitsInterrupt, "interrupt_ptr");

  // One cold block traps for every check made for the same wasm function.
  llvm::FunctionCallee trapFn = declareRuntime(module, ModuleContext::RuntimeFn::trap);
  std::map<uint32_t, llvm::BasicBlock*> traps;
  auto trapFor = [&](uint32_t origin) {
    llvm::BasicBlock*& trap = traps[origin];
    if (!trap) {
      trap = llvm::BasicBlock::Create(ctx, "interrupted", &fn);
      llvm::IRBuilder<> tb(trap);
      tb.CreateCall(trapFn, {vmctx, tb.getInt32(KILN_TRAP_INTERRUPTED), tb.getInt32(origin)});
      tb.CreateUnreachable();
    }
    return trap;
  };

  // The countdown is one SSA variable for the whole function: `countdown`
  // on entry, one less at every loop header (a short loop's trip bound less
  // in its preheader), and reset when it reaches 0 or below, which is when
  // the check reads the interrupt word. It lives in a register: a decrement
  // and a branch per iteration, no memory access.
  llvm::SSAUpdater counter;
  counter.Initialize(i32Ty, "epoch_countdown");
  counter.AddAvailableValue(&entry, countdown);
  std::vector<std::pair<llvm::BasicBlock*, llvm::Instruction*>> liveIns;  // (block, placeholder)
  for (const Site& site : sites) {
    llvm::BasicBlock* header = site.at->getParent();
    llvm::BasicBlock* rest = header->splitBasicBlock(site.at, header->getName() + ".counted");
    header->getTerminator()->eraseFromParent();
    llvm::BasicBlock* read = llvm::BasicBlock::Create(ctx, "read_interrupt", &fn);
    b.SetInsertPoint(header);
    // Stands for the count on entry to the block until every definition
    // is known (below). No block holds two sites: each is a back-edge target
    // or the preheader of a short loop that is not one.
    auto* placeholder = llvm::cast<llvm::Instruction>(b.CreateFreeze(llvm::PoisonValue::get(i32Ty), "count_in"));
    liveIns.emplace_back(header, placeholder);
    llvm::Value* next = b.CreateSub(placeholder, b.getInt32(site.weight), "count");
    // The count is at least 1 on entry to every check (it starts there and
    // is reset there), so a check that counts 1 tests for zero, which x86
    // fuses with the decrement.
    llvm::Value* due = site.weight == 1 ? b.CreateICmpEQ(next, b.getInt32(0)) : b.CreateICmpSLE(next, b.getInt32(0));
    b.CreateCondBr(due, read, rest, unlikely);
    // A relaxed atomic load: another thread may set the word at any time.
    b.SetInsertPoint(read);
    llvm::LoadInst* interrupt = b.CreateAlignedLoad(i32Ty, interruptPtr, llvm::Align(4), "interrupt");
    interrupt->setAtomic(llvm::AtomicOrdering::Monotonic);
    b.CreateCondBr(b.CreateICmpNE(interrupt, b.getInt32(0)), trapFor(site.origin), rest, unlikely);
    b.SetInsertPoint(&*rest->begin());
    llvm::PHINode* left = b.CreatePHI(i32Ty, 2, "count_left");
    left->addIncoming(next, header);
    left->addIncoming(countdown, read);
    counter.AddAvailableValue(rest, left);
  }
  for (auto [header, placeholder] : liveIns) {
    // (A short loop's preheader may be the entry block, where the count
    // starts.)
    placeholder->replaceAllUsesWith(header == &entry ? countdown : counter.GetValueInMiddleOfBlock(header));
    placeholder->eraseFromParent();
  }
  return llvm::PreservedAnalyses::none();
}

}  // namespace kiln::codegen
