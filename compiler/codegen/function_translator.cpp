#include "codegen/function_translator.h"

#include "codegen/exact_traps.h"

#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Intrinsics.h>

#include <stdexcept>
#include <string>

namespace kiln::codegen {

using wasm::Opcode;
using wasm::ValType;

FunctionTranslator::FunctionTranslator(ModuleContext& mc, uint32_t funcIndex)
    : mc_(mc),
      wasm_(mc.wasm),
      funcIndex_(funcIndex),
      type_(mc.wasm.funcType(funcIndex)),
      body_(mc.wasm.bodies[funcIndex - mc.wasm.numImportedFuncs]),
      fn_(mc.functions[funcIndex]),
      b_(mc.ctx) {}

void FunctionTranslator::translate() {
  llvm::BasicBlock* entry = llvm::BasicBlock::Create(mc_.ctx, "entry", fn_);
  b_.SetInsertPoint(entry);
  vmctx_ = fn_->getArg(0);
  vmctx_->setName("vmctx");

  // Locals live in allocas; mem2reg turns them into SSA values.
  for (ValType t : type_.params) localTypes_.push_back(t);
  for (ValType t : body_.locals) localTypes_.push_back(t);
  for (size_t i = 0; i < localTypes_.size(); ++i) {
    locals_.push_back(b_.CreateAlloca(mc_.valType(localTypes_[i]), nullptr, "local" + std::to_string(i)));
  }
  localVersion_.assign(localTypes_.size(), 0);
  lastStore_.assign(localTypes_.size(), {});
  for (size_t i = 0; i < type_.params.size(); ++i) b_.CreateStore(fn_->getArg(i + 1), locals_[i]);
  for (size_t i = type_.params.size(); i < localTypes_.size(); ++i) {
    b_.CreateStore(zeroValue(localTypes_[i]), locals_[i]);
  }

  // The memory base never moves (guard pages reserve the whole 8 GiB up
  // front, and explicit-check mode reserves the maximum too), so one load
  // per call suffices and LLVM may keep it in a register across loops.
  if (!wasm_.memories.empty()) {
    memoryBase_ = loadAt(mc_.ptrTy, vmctx_, vmctx_offset::memoryBase, mc_.tbaaVmctx, "memory_base", true);
    // In guard-page mode a load traps by faulting: tokens keep every load
    // (exact_traps.h). -O0 makes loads volatile instead.
    if (!mc_.options.explicitBoundsChecks && mc_.options.optLevel > 0) {
      const unsigned bits[] = {32, 64, 128};
      for (size_t i = 0; i < tokens_.size(); ++i) {
        llvm::Type* type = b_.getIntNTy(bits[i]);
        tokens_[i] = b_.CreateAlloca(type, nullptr, "token" + std::to_string(bits[i]));
        b_.CreateStore(llvm::Constant::getNullValue(type), tokens_[i]);
      }
    }
  }

  Control fnControl;
  fnControl.kind = Control::Kind::Function;
  fnControl.results = type_.results;
  fnControl.endBlock = newBlock("return");
  fnControl.endPhis = makePhis(fnControl.endBlock, type_.results);
  controls_.push_back(std::move(fnControl));

  bool runStarts = true;  // the next instruction starts a straight-line run (fuel)
  for (size_t i = 0; i < body_.code.size(); ++i) {
    const wasm::Instr& instr = body_.code[i];
    if (controls_.empty()) break;  // the function's final `end` was lowered
    if (deadDepth_ > 0 || controls_.back().unreachable) {
      skipDeadInstr(instr);
    } else {
      if (runStarts && mc_.options.fuel) chargeFuel(i);
      lowerInstr(instr);
    }
    runStarts = endsRun(instr.op);
  }

  // Cold trap blocks go last so the hot path stays contiguous.
  for (llvm::BasicBlock* bb : trapBlocks_) {
    if (bb) bb->moveAfter(&fn_->back());
  }

  // Frame pointers let the runtime walk wasm frames for backtraces. A
  // function that can neither trap nor call is never on the stack when a
  // trap walks it, and a frame would be most of a small leaf's cost (op_add
  // in bench/programs/indirect.c).
  fn_->addFnAttr("frame-pointer", mayTrapOrCall() ? "all" : "none");
  // A frame of KILN_STACK_PROBE_SIZE bytes or more is checked against the
  // stack limit before it is touched: LLVM calls the runtime's probe in the
  // prologue with the frame size (abi.h). Smaller frames are covered by the
  // checks before calls and the runtime's margin below the limit.
  fn_->addFnAttr("probe-stack", KILN_RT_PROBESTACK_SYMBOL);
  fn_->addFnAttr("stack-probe-size", std::to_string(KILN_STACK_PROBE_SIZE));
  // For the interruption pass, which runs after optimisation: the trap it
  // inserts names this function.
  fn_->addFnAttr(kFuncIndexAttr, std::to_string(funcIndex_));
}

// Inside dead code only nesting matters: find the `else` or `end` that
// makes code reachable again.
void FunctionTranslator::skipDeadInstr(const wasm::Instr& instr) {
  switch (instr.op) {
    case Opcode::Block:
    case Opcode::Loop:
    case Opcode::If:
      if (deadDepth_ > 0 || controls_.back().unreachable) ++deadDepth_;
      return;
    case Opcode::Else:
      if (deadDepth_ == 0) lowerElse();
      return;
    case Opcode::End:
      if (deadDepth_ > 0) {
        --deadDepth_;
      } else {
        lowerEnd();
      }
      return;
    default:
      return;
  }
}

void FunctionTranslator::lowerInstr(const wasm::Instr& instr) {
  switch (instr.op) {
    case Opcode::Unreachable:
      trapAlways(KILN_TRAP_UNREACHABLE);
      markUnreachable();
      return;
    case Opcode::Nop: return;
    case Opcode::Block: lowerBlock(instr); return;
    case Opcode::Loop: lowerLoop(instr); return;
    case Opcode::If: lowerIf(instr); return;
    case Opcode::Else: lowerElse(); return;
    case Opcode::End: lowerEnd(); return;
    case Opcode::Br: lowerBr(instr.index); return;
    case Opcode::BrIf: lowerBrIf(instr.index); return;
    case Opcode::BrTable: lowerBrTable(instr); return;
    case Opcode::Return: lowerReturn(); return;
    case Opcode::Call: lowerCall(instr.index); return;
    case Opcode::CallIndirect: lowerCallIndirect(instr.index, instr.index2); return;
    case Opcode::Drop: pop(); return;
    case Opcode::Select:
    case Opcode::SelectT: {
      llvm::Value* cond = pop();
      llvm::Value* ifFalse = pop();
      llvm::Value* ifTrue = pop();
      push(b_.CreateSelect(b_.CreateICmpNE(cond, b_.getInt32(0)), ifTrue, ifFalse));
      return;
    }
    default: break;
  }
  if (lowerVariable(instr) || lowerNumeric(instr) || lowerConversion(instr) || lowerMemory(instr) ||
      lowerTable(instr) || lowerSimd(instr)) {
    return;
  }
  throw std::runtime_error("instruction " + std::string(wasm::opcodeName(instr.op)) + " at offset 0x" +
                           [&] {
                             char buf[32];
                             snprintf(buf, sizeof buf, "%x", instr.offsetInFile);
                             return std::string(buf);
                           }() +
                           " is not supported yet");
}

// ---- helpers ----------------------------------------------------------------

void FunctionTranslator::noteAccess(llvm::Value* address) {
  auto it = valueSource_.find(address);
  if (it != valueSource_.end() && localVersion_[it->second.first] == it->second.second) accessed_.insert(it->second);
}

bool FunctionTranslator::provenInBounds(llvm::Value* address) const {
  auto it = valueSource_.find(address);
  return it != valueSource_.end() && accessed_.count(it->second);
}

llvm::Value* FunctionTranslator::pop() {
  llvm::Value* v = stack_.back();
  stack_.pop_back();
  return v;
}

std::vector<llvm::Value*> FunctionTranslator::popN(size_t n) {
  std::vector<llvm::Value*> values(stack_.end() - n, stack_.end());
  stack_.resize(stack_.size() - n);
  return values;
}

llvm::BasicBlock* FunctionTranslator::newBlock(const char* name) {
  return llvm::BasicBlock::Create(mc_.ctx, name, fn_);
}

void FunctionTranslator::trapIf(llvm::Value* condition, kiln_trap_code code) {
  if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(condition)) {
    if (c->isZero()) return;
  }
  llvm::BasicBlock*& trapBB = trapBlocks_[code];
  if (!trapBB) {
    llvm::IRBuilderBase::InsertPointGuard guard(b_);
    trapBB = newBlock("trap");
    b_.SetInsertPoint(trapBB);
    emitKeep();
    b_.CreateCall(mc_.trapFunction(), {vmctx_, b_.getInt32(code), b_.getInt32(funcIndex_)});
    b_.CreateUnreachable();
  }
  llvm::BasicBlock* cont = newBlock("cont");
  b_.CreateCondBr(condition, trapBB, cont, mc_.unlikelyBranch);
  b_.SetInsertPoint(cont);
}

void FunctionTranslator::trapAlways(kiln_trap_code code) {
  emitKeep();
  b_.CreateCall(mc_.trapFunction(), {vmctx_, b_.getInt32(code), b_.getInt32(funcIndex_)});
  b_.CreateUnreachable();
}

llvm::LoadInst* FunctionTranslator::loadAt(llvm::Type* type, llvm::Value* base, uint64_t byteOffset,
                                           llvm::MDNode* tbaa, const char* name, bool invariant) {
  llvm::Value* addr = byteOffset ? b_.CreateConstInBoundsGEP1_64(mc_.i8Ty, base, byteOffset) : base;
  // Runtime structures and global cells are 8-byte aligned (kiln_val is),
  // so a v128 cell must not be assumed 16-byte aligned.
  llvm::Align align = std::min(mc_.llvmModule.getDataLayout().getABITypeAlign(type), llvm::Align(8));
  llvm::LoadInst* load = b_.CreateAlignedLoad(type, addr, align, name);
  load->setMetadata(llvm::LLVMContext::MD_tbaa, tbaa);
  if (invariant) load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(mc_.ctx, {}));
  return load;
}

llvm::Value* FunctionTranslator::loadVmctxField(uint32_t offset, llvm::Type* type, const char* name) {
  // The instance's tables, functions, type ids and limits block are placed
  // once, when it is made.
  bool invariant = offset == vmctx_offset::tables || offset == vmctx_offset::funcs ||
                   offset == vmctx_offset::typeIds || offset == vmctx_offset::limits;
  return loadAt(type, vmctx_, offset, mc_.tbaaVmctx, name, invariant);
}

std::pair<llvm::Value*, llvm::Value*> FunctionTranslator::funcCodeAndVmctx(llvm::Value* func) {
  llvm::Value* code = loadAt(mc_.ptrTy, func, struct_offset::funcCode, mc_.tbaaVmctx, "code", true);
  llvm::Value* calleeVmctx = loadAt(mc_.ptrTy, func, struct_offset::funcVmctx, mc_.tbaaVmctx, "callee_vmctx", true);
  return {code, calleeVmctx};
}

llvm::Value* FunctionTranslator::zeroValue(ValType t) {
  return llvm::Constant::getNullValue(mc_.valType(t));
}

llvm::Value* FunctionTranslator::constF32(uint32_t bits) {
  return llvm::ConstantFP::get(mc_.ctx, llvm::APFloat(llvm::APFloat::IEEEsingle(), llvm::APInt(32, bits)));
}

llvm::Value* FunctionTranslator::constF64(uint64_t bits) {
  return llvm::ConstantFP::get(mc_.ctx, llvm::APFloat(llvm::APFloat::IEEEdouble(), llvm::APInt(64, bits)));
}

llvm::Value* FunctionTranslator::callIntrinsic(llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Type*> types,
                                               llvm::ArrayRef<llvm::Value*> args) {
  llvm::Function* fn = llvm::Intrinsic::getDeclaration(&mc_.llvmModule, id, types);
  return b_.CreateCall(fn, args);
}

// Stack exhaustion must trap, never crash: compare this frame's address with
// the limit the runtime put in the store's limits block. The runtime's margin
// below the limit covers one frame (a large one probes, see translate()), so
// a frame needs checking only before it calls: the paths that return without
// calling, most activations of a recursive function, then skip the check. A
// frame never moves and the limit does not change during a call, so a check
// already made in the current basic block covers the calls after it.
void FunctionTranslator::checkStack() {
  if (stackCheckedIn_ == b_.GetInsertBlock()) return;
  llvm::Value* frame = callIntrinsic(llvm::Intrinsic::frameaddress, {mc_.ptrTy}, {b_.getInt32(0)});
  llvm::Value* limits = loadVmctxField(vmctx_offset::limits, mc_.ptrTy, "limits");
  // Atomic: the runtime raises the limit out of reach from another thread to
  // interrupt the store (interrupt_checks.h), so this check is also the
  // interruption check of every call.
  llvm::LoadInst* limit = loadAt(mc_.i64Ty, limits, struct_offset::limitsStackLimit, mc_.tbaaVmctx, "stack_limit");
  limit->setAtomic(llvm::AtomicOrdering::Monotonic);
  limit->setMetadata(kStackCheckMetadata, llvm::MDNode::get(mc_.ctx, {}));
  trapIf(b_.CreateICmpULT(b_.CreatePtrToInt(frame, mc_.i64Ty), limit), KILN_TRAP_STACK_OVERFLOW);
  stackCheckedIn_ = b_.GetInsertBlock();
}

void FunctionTranslator::tagOrigin(llvm::Instruction* inst) {
  if (!originTag_) originTag_ = llvm::MDNode::get(mc_.ctx, {llvm::ConstantAsMetadata::get(b_.getInt32(funcIndex_))});
  inst->setMetadata(kOriginMetadata, originTag_);
}

// Instructions after which control may arrive from elsewhere or go
// elsewhere: each one ends a straight-line run of instructions.
bool FunctionTranslator::endsRun(Opcode op) {
  switch (op) {
    case Opcode::Loop:
    case Opcode::If:
    case Opcode::Else:
    case Opcode::End:
    case Opcode::Br:
    case Opcode::BrIf:
    case Opcode::BrTable:
    case Opcode::Return:
    case Opcode::Unreachable: return true;
    default: return false;
  }
}

// Fuel (KILN_FLAG_FUEL): before a straight-line run of instructions, subtract
// its cost from the store's fuel and trap when that leaves it negative. Every
// instruction costs 1 except those that only structure the code (nop, drop,
// block, loop, else, end), which cost 0. The cost depends only on the wasm
// code, so a given amount of fuel stops a program at the same instruction
// at every optimisation level.
void FunctionTranslator::chargeFuel(size_t first) {
  int64_t cost = 0;
  for (size_t i = first; i < body_.code.size(); ++i) {
    Opcode op = body_.code[i].op;
    switch (op) {
      case Opcode::Nop:
      case Opcode::Drop:
      case Opcode::Block:
      case Opcode::Loop:
      case Opcode::Else:
      case Opcode::End: break;
      default: ++cost; break;
    }
    if (endsRun(op)) break;
  }
  if (cost == 0) return;
  llvm::Value* limits = loadVmctxField(vmctx_offset::limits, mc_.ptrTy, "limits");
  llvm::Value* fuel = loadAt(mc_.i64Ty, limits, struct_offset::limitsFuel, mc_.tbaaFuel, "fuel");
  llvm::Value* left = b_.CreateSub(fuel, b_.getInt64(cost), "fuel_left");
  llvm::Value* fuelAddr = b_.CreateConstInBoundsGEP1_64(mc_.i8Ty, limits, struct_offset::limitsFuel);
  b_.CreateAlignedStore(left, fuelAddr, llvm::Align(8))->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaFuel);
  trapIf(b_.CreateICmpSLT(left, b_.getInt64(0)), KILN_TRAP_OUT_OF_FUEL);
}

// Whether the translated function can trap or call, and so be on the stack
// when a trap walks it: a call (the trap calls included) or a linear-memory
// access, which may fault on a guard page. Intrinsics are not calls.
bool FunctionTranslator::mayTrapOrCall() const {
  if (memoryBase_ && !memoryBase_->use_empty()) return true;
  for (const llvm::BasicBlock& block : *fn_) {
    for (const llvm::Instruction& inst : block) {
      // kiln.keep is no call: ExactTrapsPass deletes it.
      if (llvm::isa<llvm::CallBase>(inst) && !llvm::isa<llvm::IntrinsicInst>(inst) && !isKeep(inst)) return true;
    }
  }
  return false;
}

}  // namespace kiln::codegen
