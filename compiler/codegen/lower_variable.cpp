// Locals (allocas, promoted to SSA by mem2reg) and globals (cells in the VM
// context; imported ones reached through a pointer there).
#include "codegen/function_translator.h"

namespace kiln::codegen {

using wasm::Opcode;

bool FunctionTranslator::lowerVariable(const wasm::Instr& instr) {
  switch (instr.op) {
    case Opcode::LocalGet: {
      // A value stored earlier in this basic block is the local's value
      // (mem2reg would find the same): using it directly lets address
      // patterns (`x + c` in linearAddress) be seen through a local.
      const StoredLocal& stored = lastStore_[instr.index];
      if (stored.value && stored.block == b_.GetInsertBlock()) {
        if (localTypes_[instr.index] == wasm::ValType::I32)
          valueSource_.try_emplace(stored.value, instr.index, localVersion_[instr.index]);
        push(stored.value);
        return true;
      }
      llvm::AllocaInst* slot = locals_[instr.index];
      llvm::Value* value = b_.CreateLoad(slot->getAllocatedType(), slot);
      if (localTypes_[instr.index] == wasm::ValType::I32) valueSource_[value] = {instr.index, localVersion_[instr.index]};
      push(value);
      return true;
    }
    case Opcode::LocalSet:
      lastStore_[instr.index] = {top(), b_.GetInsertBlock()};
      b_.CreateStore(pop(), locals_[instr.index]);
      assignLocal(instr.index);
      return true;
    case Opcode::LocalTee:
      lastStore_[instr.index] = {top(), b_.GetInsertBlock()};
      b_.CreateStore(top(), locals_[instr.index]);
      assignLocal(instr.index);
      if (localTypes_[instr.index] == wasm::ValType::I32) valueSource_[top()] = {instr.index, localVersion_[instr.index]};
      return true;
    case Opcode::GlobalGet:
    case Opcode::GlobalSet: {
      const wasm::GlobalType& gt = wasm_.globals[instr.index].type;
      llvm::Type* type = mc_.valType(gt.type);
      llvm::Value* cell = b_.CreateConstInBoundsGEP1_64(mc_.i8Ty, vmctx_, mc_.globalOffsets[instr.index]);
      if (wasm_.isImportedGlobal(instr.index)) cell = loadAt(mc_.ptrTy, cell, 0, mc_.tbaaVmctx, "global_cell", true);
      if (instr.op == Opcode::GlobalGet) {
        push(loadAt(type, cell, 0, mc_.tbaaGlobal, "global", !gt.isMutable));
      } else {
        auto* store = b_.CreateAlignedStore(pop(), cell, llvm::Align(8));
        store->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaGlobal);
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace kiln::codegen
