// Structured control flow: blocks become LLVM basic blocks, block results
// become phi nodes in the block's end, loop parameters phi nodes in the
// loop header. Calls, direct and indirect, are here too.
#include "codegen/function_translator.h"

namespace kiln::codegen {

using wasm::ValType;

void FunctionTranslator::blockSignature(const wasm::BlockType& bt, std::vector<ValType>& params,
                                        std::vector<ValType>& results) const {
  params.clear();
  results.clear();
  switch (bt.kind) {
    case wasm::BlockType::Kind::Empty: break;
    case wasm::BlockType::Kind::Value: results.push_back(bt.value); break;
    case wasm::BlockType::Kind::TypeIndex:
      params = wasm_.types[bt.typeIndex].params;
      results = wasm_.types[bt.typeIndex].results;
      break;
  }
}

std::vector<llvm::PHINode*> FunctionTranslator::makePhis(llvm::BasicBlock* block,
                                                         const std::vector<ValType>& types) {
  std::vector<llvm::PHINode*> phis;
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(block);
  for (ValType t : types) phis.push_back(b_.CreatePHI(mc_.valType(t), 2));
  return phis;
}

void FunctionTranslator::markUnreachable() {
  Control& c = controls_.back();
  stack_.resize(c.stackHeight);
  c.unreachable = true;
}

llvm::BasicBlock* FunctionTranslator::branchDest(Control& target) const {
  return target.kind == Control::Kind::Loop ? target.loopHeader : target.endBlock;
}

// Adds the values on top of the stack as incoming values of the target's
// phis, for an edge from `from`.
void FunctionTranslator::addBranchIncoming(Control& target, llvm::BasicBlock* from) {
  addIncoming(target.kind == Control::Kind::Loop ? target.loopPhis : target.endPhis, from);
}

void FunctionTranslator::addIncoming(std::vector<llvm::PHINode*>& phis, llvm::BasicBlock* from) {
  for (size_t i = 0; i < phis.size(); ++i) {
    phis[i]->addIncoming(stack_[stack_.size() - phis.size() + i], from);
  }
}

void FunctionTranslator::lowerBlock(const wasm::Instr& instr) {
  Control c;
  c.kind = Control::Kind::Block;
  blockSignature(instr.blockType, c.params, c.results);
  c.stackHeight = stack_.size() - c.params.size();
  c.endBlock = newBlock("block_end");
  c.endPhis = makePhis(c.endBlock, c.results);
  c.accessedAtStart = accessed_;
  controls_.push_back(std::move(c));
}

void FunctionTranslator::lowerLoop(const wasm::Instr& instr) {
  Control c;
  c.kind = Control::Kind::Loop;
  blockSignature(instr.blockType, c.params, c.results);
  c.stackHeight = stack_.size() - c.params.size();
  c.loopHeader = newBlock("loop");
  c.loopPhis = makePhis(c.loopHeader, c.params);
  c.endBlock = newBlock("loop_end");
  c.endPhis = makePhis(c.endBlock, c.results);
  addBranchIncoming(c, b_.GetInsertBlock());
  b_.CreateBr(c.loopHeader);
  b_.SetInsertPoint(c.loopHeader);
  stack_.resize(c.stackHeight);
  for (llvm::PHINode* phi : c.loopPhis) push(phi);
  c.accessedAtStart = accessed_;
  // The header joins the back edges: a local's value there may come from
  // the end of the previous iteration, so facts about earlier values of
  // locals do not carry in.
  for (size_t i = 0; i < localVersion_.size(); ++i) assignLocal(static_cast<uint32_t>(i));
  controls_.push_back(std::move(c));
}

void FunctionTranslator::lowerIf(const wasm::Instr& instr) {
  llvm::Value* cond = pop();
  Control c;
  c.kind = Control::Kind::If;
  blockSignature(instr.blockType, c.params, c.results);
  c.stackHeight = stack_.size() - c.params.size();
  c.ifParams.assign(stack_.end() - c.params.size(), stack_.end());
  llvm::BasicBlock* thenBlock = newBlock("then");
  c.elseBlock = newBlock("else");
  c.endBlock = newBlock("if_end");
  c.endPhis = makePhis(c.endBlock, c.results);
  b_.CreateCondBr(b_.CreateICmpNE(cond, b_.getInt32(0)), thenBlock, c.elseBlock);
  b_.SetInsertPoint(thenBlock);
  c.accessedAtStart = accessed_;
  controls_.push_back(std::move(c));
}

void FunctionTranslator::lowerElse() {
  Control& c = controls_.back();
  if (!c.unreachable) {
    addBranchIncoming(c, b_.GetInsertBlock());
    b_.CreateBr(c.endBlock);
  }
  stack_.resize(c.stackHeight);
  for (llvm::Value* v : c.ifParams) push(v);
  b_.SetInsertPoint(c.elseBlock);
  c.elseBlock = nullptr;
  c.unreachable = false;
  accessed_ = c.accessedAtStart;  // the else arm is not dominated by the then arm
}

void FunctionTranslator::lowerEnd() {
  Control& c = controls_.back();
  if (!c.unreachable) {
    // Falling off the end goes to the end block, also for a loop.
    addIncoming(c.endPhis, b_.GetInsertBlock());
    b_.CreateBr(c.endBlock);
  }
  if (c.kind == Control::Kind::If && c.elseBlock) {
    // An `if` without `else`: the false edge passes the params through as
    // results (validation guarantees they have the same types).
    b_.SetInsertPoint(c.elseBlock);
    stack_.resize(c.stackHeight);
    for (llvm::Value* v : c.ifParams) push(v);
    addIncoming(c.endPhis, c.elseBlock);
    b_.CreateBr(c.endBlock);
  }
  stack_.resize(c.stackHeight);

  Control done = std::move(c);
  controls_.pop_back();
  // Only what held before the block dominates its end (branches join there).
  accessed_ = std::move(done.accessedAtStart);
  b_.SetInsertPoint(done.endBlock);

  if (done.kind == Control::Kind::Function) {
    std::vector<llvm::Value*> values(done.endPhis.begin(), done.endPhis.end());
    if (llvm::pred_empty(done.endBlock)) {
      for (llvm::PHINode* phi : done.endPhis) phi->eraseFromParent();
      b_.CreateUnreachable();
    } else {
      emitReturn(values);
    }
    return;
  }

  if (llvm::pred_empty(done.endBlock)) {
    // Nothing reaches the end of this block: what follows is dead code.
    for (llvm::PHINode* phi : done.endPhis) phi->eraseFromParent();
    b_.CreateUnreachable();
    markUnreachable();
    return;
  }
  for (llvm::PHINode* phi : done.endPhis) push(phi);
}

void FunctionTranslator::lowerBr(uint32_t depth) {
  Control& target = controls_[controls_.size() - 1 - depth];
  addBranchIncoming(target, b_.GetInsertBlock());
  tagOrigin(b_.CreateBr(branchDest(target)));
  markUnreachable();
}

void FunctionTranslator::lowerBrIf(uint32_t depth) {
  llvm::Value* cond = pop();
  Control& target = controls_[controls_.size() - 1 - depth];
  llvm::BasicBlock* cont = newBlock("br_if_cont");
  addBranchIncoming(target, b_.GetInsertBlock());
  tagOrigin(b_.CreateCondBr(b_.CreateICmpNE(cond, b_.getInt32(0)), branchDest(target), cont));
  b_.SetInsertPoint(cont);
}

void FunctionTranslator::lowerBrTable(const wasm::Instr& instr) {
  llvm::Value* index = pop();
  const uint32_t* targets = &body_.brTargets[instr.index];
  uint32_t count = instr.index2;  // targets including the default (last)
  llvm::BasicBlock* from = b_.GetInsertBlock();
  Control& defaultTarget = controls_[controls_.size() - 1 - targets[count - 1]];
  llvm::SwitchInst* sw = b_.CreateSwitch(index, branchDest(defaultTarget), count - 1);
  tagOrigin(sw);
  // One phi entry per CFG edge: LLVM wants as many entries for a
  // predecessor as there are edges from it.
  addBranchIncoming(defaultTarget, from);
  for (uint32_t i = 0; i + 1 < count; ++i) {
    Control& target = controls_[controls_.size() - 1 - targets[i]];
    sw->addCase(b_.getInt32(i), branchDest(target));
    addBranchIncoming(target, from);
  }
  markUnreachable();
}

void FunctionTranslator::emitReturn(const std::vector<llvm::Value*>& values) {
  emitKeep();
  if (values.empty()) {
    b_.CreateRetVoid();
  } else if (values.size() == 1) {
    b_.CreateRet(values[0]);
  } else {
    llvm::Value* agg = llvm::UndefValue::get(fn_->getReturnType());
    for (unsigned i = 0; i < values.size(); ++i) agg = b_.CreateInsertValue(agg, values[i], {i});
    b_.CreateRet(agg);
  }
}

void FunctionTranslator::lowerReturn() {
  std::vector<llvm::Value*> values(stack_.end() - type_.results.size(), stack_.end());
  emitReturn(values);
  markUnreachable();
}

std::vector<llvm::Value*> FunctionTranslator::emitCall(llvm::FunctionType* type, llvm::Value* callee,
                                                       llvm::Value* calleeVmctx, const wasm::FuncType& sig,
                                                       llvm::Function* direct) {
  checkStack();
  std::vector<llvm::Value*> args{calleeVmctx};
  std::vector<llvm::Value*> params = popN(sig.params.size());
  args.insert(args.end(), params.begin(), params.end());
  llvm::CallInst* call = direct ? b_.CreateCall(direct, args) : b_.CreateCall(type, callee, args);
  tagOrigin(call);
  std::vector<llvm::Value*> results;
  if (sig.results.size() == 1) {
    results.push_back(call);
  } else {
    for (unsigned i = 0; i < sig.results.size(); ++i) results.push_back(b_.CreateExtractValue(call, {i}));
  }
  return results;
}

void FunctionTranslator::lowerCall(uint32_t funcIndex) {
  const wasm::FuncType& sig = wasm_.funcType(funcIndex);
  llvm::FunctionType* type = mc_.functionTypeOf(wasm_.funcTypes[funcIndex]);
  std::vector<llvm::Value*> results;
  if (wasm_.isImportedFunc(funcIndex)) {
    // Imports go through the instance's function table: vmctx->funcs[i].
    llvm::Value* funcs = loadVmctxField(vmctx_offset::funcs, mc_.ptrTy, "funcs");
    llvm::Value* func = loadAt(mc_.ptrTy, funcs, uint64_t{funcIndex} * 8, mc_.tbaaVmctx, "import", true);
    auto [code, calleeVmctx] = funcCodeAndVmctx(func);
    results = emitCall(type, code, calleeVmctx, sig, nullptr);
  } else {
    results = emitCall(type, nullptr, vmctx_, sig, mc_.functions[funcIndex]);
  }
  for (llvm::Value* v : results) push(v);
}

// call_indirect: a bounds check, a null check, one signature-id compare,
// one indirect call.
void FunctionTranslator::lowerCallIndirect(uint32_t typeIndex, uint32_t tableIndex) {
  llvm::Value* index = pop();
  const wasm::FuncType& sig = wasm_.types[typeIndex];
  llvm::Value* tables = loadVmctxField(vmctx_offset::tables, mc_.ptrTy, "tables");
  llvm::Value* table = loadAt(mc_.ptrTy, tables, uint64_t{tableIndex} * 8, mc_.tbaaVmctx, "table", true);
  const bool fixed = mc_.fixedTables[tableIndex];
  llvm::Value* size = loadAt(mc_.i32Ty, table, struct_offset::tableSize, mc_.tbaaTable, "table_size", fixed);
  trapIf(b_.CreateICmpUGE(index, size), KILN_TRAP_UNDEFINED_ELEMENT);
  llvm::Value* elements = loadAt(mc_.ptrTy, table, struct_offset::tableElements, mc_.tbaaTable, "elements", fixed);
  auto* func = b_.CreateAlignedLoad(
      mc_.ptrTy, b_.CreateInBoundsGEP(mc_.ptrTy, elements, b_.CreateZExt(index, mc_.i64Ty)), llvm::Align(8), "func");
  func->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaTable);
  if (fixed) func->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(mc_.ctx, {}));
  trapIf(b_.CreateIsNull(func), KILN_TRAP_INDIRECT_CALL_NULL);
  llvm::Value* typeIds = loadVmctxField(vmctx_offset::typeIds, mc_.ptrTy, "type_ids");
  llvm::Value* expected = loadAt(mc_.i32Ty, typeIds, uint64_t{typeIndex} * 4, mc_.tbaaVmctx, "expected_type", true);
  // A kiln_func never changes once made.
  llvm::Value* actual = loadAt(mc_.i32Ty, func, struct_offset::funcTypeId, mc_.tbaaVmctx, "actual_type", true);
  trapIf(b_.CreateICmpNE(expected, actual), KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
  auto [code, calleeVmctx] = funcCodeAndVmctx(func);
  for (llvm::Value* v : emitCall(mc_.functionTypeOf(typeIndex), code, calleeVmctx, sig, nullptr)) push(v);
}

}  // namespace kiln::codegen
