// Reference types and table instructions. References are pointers: a
// funcref is a kiln_func*, an externref is opaque, null is null.
#include "codegen/function_translator.h"

namespace kiln::codegen {

using wasm::Opcode;

bool FunctionTranslator::lowerTable(const wasm::Instr& instr) {
  llvm::Type* i32 = mc_.i32Ty;
  llvm::Type* ptr = mc_.ptrTy;
  using RuntimeFn = ModuleContext::RuntimeFn;
  auto runtime = [&](RuntimeFn fn) { return mc_.runtime(fn); };
  switch (instr.op) {
    case Opcode::RefNull: push(llvm::ConstantPointerNull::get(mc_.ptrTy)); return true;
    case Opcode::RefIsNull: push(boolToI32(b_.CreateIsNull(pop()))); return true;
    case Opcode::RefFunc: {
      llvm::Value* funcs = loadVmctxField(vmctx_offset::funcs, ptr, "funcs");
      push(loadAt(ptr, funcs, uint64_t{instr.index} * 8, mc_.tbaaVmctx, "funcref", true));
      return true;
    }
    case Opcode::TableGet: {
      llvm::Value* index = pop();
      push(b_.CreateCall(runtime(RuntimeFn::table_get), {vmctx_, b_.getInt32(instr.index), index}));
      return true;
    }
    case Opcode::TableSet: {
      llvm::Value* value = pop();
      llvm::Value* index = pop();
      b_.CreateCall(runtime(RuntimeFn::table_set),
                    {vmctx_, b_.getInt32(instr.index), index, value});
      return true;
    }
    case Opcode::TableSize: {
      llvm::Value* tables = loadVmctxField(vmctx_offset::tables, ptr, "tables");
      llvm::Value* table = loadAt(ptr, tables, uint64_t{instr.index} * 8, mc_.tbaaVmctx, "table", true);
      push(loadAt(i32, table, struct_offset::tableSize, mc_.tbaaTable, "table_size"));
      return true;
    }
    case Opcode::TableGrow: {
      llvm::Value* delta = pop();
      llvm::Value* init = pop();
      push(b_.CreateCall(runtime(RuntimeFn::table_grow),
                         {vmctx_, b_.getInt32(instr.index), init, delta}));
      return true;
    }
    case Opcode::TableFill: {
      llvm::Value* len = pop();
      llvm::Value* value = pop();
      llvm::Value* dst = pop();
      b_.CreateCall(runtime(RuntimeFn::table_fill),
                    {vmctx_, b_.getInt32(instr.index), dst, value, len});
      return true;
    }
    case Opcode::TableCopy: {
      llvm::Value* len = pop();
      llvm::Value* src = pop();
      llvm::Value* dst = pop();
      b_.CreateCall(runtime(RuntimeFn::table_copy),
                    {vmctx_, b_.getInt32(instr.index), b_.getInt32(instr.index2), dst, src, len});
      return true;
    }
    case Opcode::TableInit: {
      llvm::Value* len = pop();
      llvm::Value* src = pop();
      llvm::Value* dst = pop();
      b_.CreateCall(runtime(RuntimeFn::table_init),
                    {vmctx_, b_.getInt32(instr.index2), b_.getInt32(instr.index), dst, src, len});
      return true;
    }
    case Opcode::ElemDrop:
      b_.CreateCall(runtime(RuntimeFn::elem_drop), {vmctx_, b_.getInt32(instr.index)});
      return true;
    default: return false;
  }
}

}  // namespace kiln::codegen
