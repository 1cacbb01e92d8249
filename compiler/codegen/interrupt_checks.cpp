#include "codegen/interrupt_checks.h"

#include <llvm/ADT/SCCIterator.h>
#include <llvm/IR/CFG.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

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

// Blocks that lie on some cycle (a strongly connected component with more
// than one block, or a block that branches to itself).
std::set<llvm::BasicBlock*> blocksOnCycles(llvm::Function& fn) {
  std::set<llvm::BasicBlock*> result;
  for (auto scc = llvm::scc_begin(&fn); !scc.isAtEnd(); ++scc) {
    if (scc.hasCycle())
      for (llvm::BasicBlock* block : *scc) result.insert(block);
  }
  return result;
}

// A call into wasm code (another compiled function, an import, a host
// function, call_indirect), as opposed to an intrinsic or a runtime entry
// point, which do bounded work.
bool callsWasm(const llvm::Instruction& inst) {
  const auto* call = llvm::dyn_cast<llvm::CallBase>(&inst);
  if (!call || llvm::isa<llvm::IntrinsicInst>(call) || call->isInlineAsm()) return false;
  const llvm::Function* callee = call->getCalledFunction();
  if (!callee) return true;  // indirect: an import or call_indirect
  return callee->hasFnAttribute(kFuncIndexAttr);
}

}  // namespace

llvm::PreservedAnalyses InterruptCheckPass::run(llvm::Function& fn, llvm::FunctionAnalysisManager&) {
  if (fn.isDeclaration() || !fn.hasFnAttribute(kFuncIndexAttr)) return llvm::PreservedAnalyses::all();
  uint64_t funcIndex = 0;
  fn.getFnAttribute(kFuncIndexAttr).getValueAsString().getAsInteger(10, funcIndex);

  // Where checks go, and which wasm function each one is for (a loop or
  // call inlined from another function names that one in the trap).
  struct Site {
    llvm::BasicBlock* block;
    llvm::Instruction* before;
    uint32_t origin;
  };
  std::vector<Site> sites;
  std::map<llvm::BasicBlock*, std::optional<uint32_t>> headers;  // in function order below
  for (auto [latch, header] : backEdges(fn)) {
    std::optional<uint32_t>& origin = headers[header];
    if (!origin) origin = originOf(latch->getTerminator());
  }
  for (llvm::BasicBlock& block : fn) {
    auto it = headers.find(&block);
    if (it == headers.end()) continue;
    std::optional<uint32_t> origin = it->second;
    for (const llvm::Instruction& inst : block)
      if (!origin) origin = originOf(&inst);
    sites.push_back({&block, &*block.getFirstInsertionPt(), origin.value_or(static_cast<uint32_t>(funcIndex))});
  }
  std::set<llvm::BasicBlock*> onCycle = blocksOnCycles(fn);
  for (llvm::BasicBlock& block : fn) {
    if (onCycle.count(&block)) continue;
    for (llvm::Instruction& inst : block) {
      if (callsWasm(inst)) {
        sites.push_back({&block, &inst, originOf(&inst).value_or(static_cast<uint32_t>(funcIndex))});
        break;
      }
    }
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

  // The limits block never moves: find it once, at entry.
  llvm::IRBuilder<> b(ctx);
  b.SetInsertPoint(&*fn.getEntryBlock().getFirstInsertionPt());
  llvm::LoadInst* limits = b.CreateAlignedLoad(
      ptrTy, b.CreateConstInBoundsGEP1_64(i8Ty, vmctx, vmctx_offset::limits), llvm::Align(8), "limits");
  limits->setMetadata(llvm::LLVMContext::MD_invariant_load, invariant);
  llvm::Value* interruptPtr =
      b.CreateConstInBoundsGEP1_64(i8Ty, limits, struct_offset::limitsInterrupt, "interrupt_ptr");

  // One cold block traps for every check of the function made for the same
  // wasm function.
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

  for (auto [block, before, origin] : sites) {
    llvm::BasicBlock* rest = block->splitBasicBlock(before, block->getName() + ".epoch_ok");
    block->getTerminator()->eraseFromParent();
    b.SetInsertPoint(block);
    // A relaxed atomic load: another thread may set the word at any time,
    // and a plain load could be hoisted out of the loop it guards.
    llvm::LoadInst* interrupt = b.CreateAlignedLoad(i32Ty, interruptPtr, llvm::Align(4), "interrupt");
    interrupt->setAtomic(llvm::AtomicOrdering::Monotonic);
    b.CreateCondBr(b.CreateICmpNE(interrupt, b.getInt32(0)), trapFor(origin), rest, unlikely);
  }
  return llvm::PreservedAnalyses::none();
}

}  // namespace kiln::codegen
