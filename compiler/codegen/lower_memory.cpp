// Linear memory: loads and stores (guard pages or explicit checks),
// memory.size/grow and bulk memory.
#include "codegen/exact_traps.h"
#include "codegen/function_translator.h"

namespace kiln::codegen {

using wasm::Opcode;

llvm::Value* FunctionTranslator::memorySizeBytes() {
  llvm::Value* memory = loadAt(mc_.ptrTy, vmctx_, vmctx_offset::memory, mc_.tbaaVmctx, "memory", true);
  return loadAt(mc_.i64Ty, memory, struct_offset::memorySize, mc_.tbaaVmctx, "memory_size");
}

// The host address of a wasm access. The 32-bit address is zero-extended
// (a sign extension would reach outside the sandbox) and the static offset
// added in 64 bits, so base + address + offset stays inside the 8 GiB
// reservation; beyond the committed size the guard pages fault.
llvm::Value* FunctionTranslator::linearAddress(llvm::Value* address, uint64_t offset, uint32_t accessSize) {
  // Once this access has not trapped, `address` is in bounds for what follows.
  noteAccess(address);
  // `x + c` that provably does not wrap (an `add nuw` from lowerNumeric):
  // zero-extend x and fold c into the 64-bit offset. x86 can then put c in
  // the addressing mode, and SCEV sees accesses at x and x + c as one
  // pointer at a constant distance, so the loop vectorizer neither needs
  // nor emits a run-time overlap check between them.
  if (auto* add = llvm::dyn_cast<llvm::BinaryOperator>(address);
      add && add->getOpcode() == llvm::Instruction::Add && add->hasNoUnsignedWrap()) {
    for (unsigned i = 0; i < 2; ++i) {
      if (auto* c = llvm::dyn_cast<llvm::ConstantInt>(add->getOperand(i))) {
        address = add->getOperand(1 - i);
        offset += c->getZExtValue();
        break;
      }
    }
  }
  llvm::Value* effective = b_.CreateZExt(address, mc_.i64Ty);
  if (offset) effective = b_.CreateAdd(effective, b_.getInt64(offset), "", /*HasNUW=*/true);
  if (mc_.options.explicitBoundsChecks) {
    llvm::Value* end = b_.CreateAdd(effective, b_.getInt64(accessSize), "", true);
    trapIf(b_.CreateICmpUGT(end, memorySizeBytes()), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  }
  return b_.CreateInBoundsGEP(mc_.i8Ty, memoryBase_, effective);
}

llvm::LoadInst* FunctionTranslator::linearLoad(llvm::Type* type, llvm::Value* addr) {
  // Wasm's alignment is only a hint: every access is emitted with align 1,
  // which x86 executes at full speed.
  llvm::LoadInst* load = b_.CreateAlignedLoad(type, addr, llvm::Align(1));
  load->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaLinearMemory);
  if (usesTokens()) {
    keepAlive(load);
  } else if (!mc_.options.explicitBoundsChecks) {
    load->setVolatile(true);  // -O0 in guard-page mode
  }
  return load;
}

// The token is a sum, not an xor: LLVM folds an xor of the same hoisted
// value in every iteration of a loop run an even number of times to 0 (and
// the load with it), while a sum cancels only after 2^32 iterations. Narrow
// loads are summed as the i32 values wasm gives them.
void FunctionTranslator::keepAlive(llvm::Value* loaded) {
  llvm::Type* type = loaded->getType();
  unsigned bits = type->getPrimitiveSizeInBits().getFixedValue();
  llvm::Value* value = type->isIntegerTy() ? loaded : b_.CreateBitCast(loaded, b_.getIntNTy(bits));
  if (bits < 32) {
    value = b_.CreateZExt(value, mc_.i32Ty);
    bits = 32;
  }
  llvm::AllocaInst* token = tokens_[bits == 32 ? 0 : bits == 64 ? 1 : 2];
  b_.CreateStore(b_.CreateAdd(b_.CreateLoad(token->getAllocatedType(), token), value), token);
}

void FunctionTranslator::emitKeep() {
  if (!usesTokens()) return;
  llvm::Value* args[3];
  for (size_t i = 0; i < tokens_.size(); ++i) args[i] = b_.CreateLoad(tokens_[i]->getAllocatedType(), tokens_[i]);
  b_.CreateCall(declareKeep(mc_.llvmModule), args);
}

bool FunctionTranslator::lowerMemory(const wasm::Instr& instr) {
  auto load = [&](llvm::Type* memType, llvm::Type* resultType, bool signExtend) {
    llvm::Value* addr = linearAddress(pop(), instr.value, memType->getPrimitiveSizeInBits() / 8);
    llvm::Value* value = linearLoad(memType, addr);
    llvm::Value* result = value;
    if (memType != resultType) {
      result = signExtend ? b_.CreateSExt(value, resultType) : b_.CreateZExt(value, resultType);
    }
    push(result);
    return true;
  };
  auto store = [&](llvm::Type* memType) {
    llvm::Value* value = pop();
    llvm::Value* addr = linearAddress(pop(), instr.value, memType->getPrimitiveSizeInBits() / 8);
    if (value->getType() != memType) value = b_.CreateTrunc(value, memType);
    auto* st = b_.CreateAlignedStore(value, addr, llvm::Align(1));
    st->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaLinearMemory);
    return true;
  };
  llvm::Type* i8 = mc_.i8Ty;
  llvm::Type* i16 = mc_.i16Ty;
  llvm::Type* i32 = mc_.i32Ty;
  llvm::Type* i64 = mc_.i64Ty;
  switch (instr.op) {
    case Opcode::I32Load: return load(i32, i32, false);
    case Opcode::I64Load: return load(i64, i64, false);
    case Opcode::F32Load: return load(mc_.f32Ty, mc_.f32Ty, false);
    case Opcode::F64Load: return load(mc_.f64Ty, mc_.f64Ty, false);
    case Opcode::I32Load8S: return load(i8, i32, true);
    case Opcode::I32Load8U: return load(i8, i32, false);
    case Opcode::I32Load16S: return load(i16, i32, true);
    case Opcode::I32Load16U: return load(i16, i32, false);
    case Opcode::I64Load8S: return load(i8, i64, true);
    case Opcode::I64Load8U: return load(i8, i64, false);
    case Opcode::I64Load16S: return load(i16, i64, true);
    case Opcode::I64Load16U: return load(i16, i64, false);
    case Opcode::I64Load32S: return load(i32, i64, true);
    case Opcode::I64Load32U: return load(i32, i64, false);
    case Opcode::I32Store: return store(i32);
    case Opcode::I64Store: return store(i64);
    case Opcode::F32Store: return store(mc_.f32Ty);
    case Opcode::F64Store: return store(mc_.f64Ty);
    case Opcode::I32Store8: case Opcode::I64Store8: return store(i8);
    case Opcode::I32Store16: case Opcode::I64Store16: return store(i16);
    case Opcode::I64Store32: return store(i32);

    case Opcode::MemorySize:
      push(b_.CreateTrunc(b_.CreateLShr(memorySizeBytes(), 16), i32, "pages"));
      return true;
    case Opcode::MemoryGrow: {
      llvm::Value* delta = pop();
      push(b_.CreateCall(mc_.runtime(ModuleContext::RuntimeFn::memory_grow), {vmctx_, b_.getInt32(instr.index), delta}));
      return true;
    }
    // memory.fill and memory.copy are inline: a bounds check, then LLVM's
    // memset/memmove (which become `rep stosb`/`movs` or vector loops, or
    // plain stores for small constant lengths). Both check the whole range
    // before writing anything, as the spec requires.
    case Opcode::MemoryFill: {
      llvm::Value* len = b_.CreateZExt(pop(), i64);
      llvm::Value* value = b_.CreateTrunc(pop(), i8);
      llvm::Value* dst = b_.CreateZExt(pop(), i64);
      llvm::Value* size = memorySizeBytes();
      trapIf(b_.CreateICmpUGT(b_.CreateAdd(dst, len), size), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
      auto* call = b_.CreateMemSet(b_.CreateInBoundsGEP(i8, memoryBase_, dst), value, len, llvm::MaybeAlign(1));
      call->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaLinearMemory);
      call->setMetadata(kCheckedMemMetadata, llvm::MDNode::get(mc_.ctx, {}));
      return true;
    }
    case Opcode::MemoryCopy: {
      llvm::Value* len = b_.CreateZExt(pop(), i64);
      llvm::Value* src = b_.CreateZExt(pop(), i64);
      llvm::Value* dst = b_.CreateZExt(pop(), i64);
      llvm::Value* size = memorySizeBytes();
      trapIf(b_.CreateOr(b_.CreateICmpUGT(b_.CreateAdd(src, len), size), b_.CreateICmpUGT(b_.CreateAdd(dst, len), size)),
             KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
      auto* call = b_.CreateMemMove(b_.CreateInBoundsGEP(i8, memoryBase_, dst), llvm::MaybeAlign(1),
                                    b_.CreateInBoundsGEP(i8, memoryBase_, src), llvm::MaybeAlign(1), len);
      call->setMetadata(llvm::LLVMContext::MD_tbaa, mc_.tbaaLinearMemory);
      call->setMetadata(kCheckedMemMetadata, llvm::MDNode::get(mc_.ctx, {}));
      return true;
    }
    case Opcode::MemoryInit: {
      llvm::Value* len = pop();
      llvm::Value* src = pop();
      llvm::Value* dst = pop();
      b_.CreateCall(mc_.runtime(ModuleContext::RuntimeFn::memory_init), {vmctx_, b_.getInt32(instr.index2), b_.getInt32(instr.index), dst, src, len});
      return true;
    }
    case Opcode::DataDrop: {
      b_.CreateCall(mc_.runtime(ModuleContext::RuntimeFn::data_drop), {vmctx_, b_.getInt32(instr.index)});
      return true;
    }
    default: return false;
  }
}

}  // namespace kiln::codegen
