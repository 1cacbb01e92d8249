// State shared by the translation of one wasm module: LLVM types for wasm
// values, the VM context layout (include/kiln/abi.h mirrored in LLVM terms),
// the declared functions, and the runtime entry points compiled code calls.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <vector>

#include "codegen/codegen.h"
#include "kiln/abi.h"
#include "wasm/module.h"

namespace kiln::codegen {

// Offsets of kiln_vmctx header fields, checked against offsetof() in
// tests/unit/codegen_test.cpp.
namespace vmctx_offset {
constexpr uint32_t memoryBase = 0;
constexpr uint32_t memory = 8;
constexpr uint32_t stackLimit = 16;
constexpr uint32_t interrupt = 24;
constexpr uint32_t tables = 32;
constexpr uint32_t funcs = 40;
constexpr uint32_t typeIds = 48;
}  // namespace vmctx_offset

// Offsets inside other runtime structures compiled code reads.
namespace struct_offset {
constexpr uint32_t funcCode = 0;      // kiln_func::code
constexpr uint32_t funcVmctx = 8;     // kiln_func::vmctx
constexpr uint32_t funcTypeId = 16;   // kiln_func::type_id
constexpr uint32_t tableElements = 0; // kiln_table::elements
constexpr uint32_t tableSize = 8;     // kiln_table::size
constexpr uint32_t memorySize = 8;    // kiln_memory::size
}  // namespace struct_offset

// The first global cell follows the header, 16-byte aligned.
constexpr uint32_t kGlobalsOffset = (KILN_VMCTX_HEADER_SIZE + 15u) & ~15u;

class ModuleContext {
 public:
  ModuleContext(const wasm::Module& wasm, llvm::Module& llvmModule, const Options& options);

  const wasm::Module& wasm;
  llvm::LLVMContext& ctx;
  llvm::Module& llvmModule;
  const Options& options;

  llvm::Type* voidTy;
  llvm::IntegerType* i1Ty;
  llvm::IntegerType* i8Ty;
  llvm::IntegerType* i16Ty;
  llvm::IntegerType* i32Ty;
  llvm::IntegerType* i64Ty;
  llvm::Type* f32Ty;
  llvm::Type* f64Ty;
  llvm::VectorType* v128Ty;  // <2 x i64>; SIMD lowering bitcasts to lane shapes
  llvm::PointerType* ptrTy;

  llvm::Type* valType(wasm::ValType t) const;
  // void, the single result's type, or a struct of the results.
  llvm::Type* resultType(const wasm::FuncType& type) const;
  llvm::FunctionType* functionType(const wasm::FuncType& type) const;
  llvm::FunctionType* functionTypeOf(uint32_t typeIndex) const { return llvmFuncTypes[typeIndex]; }

  // Defined functions, indexed by function index (nullptr for imports).
  std::vector<llvm::Function*> functions;
  std::vector<llvm::FunctionType*> llvmFuncTypes;  // per type index
  // Byte offset in the VM context of each global's cell (or, for an imported
  // global, of the pointer to its cell).
  std::vector<uint32_t> globalOffsets;
  uint32_t vmctxSize = 0;
  // Tables whose size and elements never change once instantiated: defined
  // here, not exported, and no instruction writes them. Their reads are
  // invariant loads, which LLVM hoists out of call_indirect loops.
  std::vector<bool> fixedTables;

  // TBAA tags: linear memory never aliases the VM context or globals, which
  // is what lets LLVM keep the memory base and loop bounds in registers.
  llvm::MDNode* tbaaLinearMemory;
  llvm::MDNode* tbaaVmctx;
  llvm::MDNode* tbaaGlobal;
  llvm::MDNode* tbaaTable;
  llvm::MDNode* unlikelyBranch;

  // Runtime entry points (declared on first use).
  llvm::FunctionCallee runtimeFunction(const char* name, llvm::FunctionType* type, bool noReturn = false);
  llvm::FunctionCallee trapFunction();

  // The section every compiled wasm function goes into, so the runtime
  // knows its code range from the linker's __start_/__stop_ symbols.
  static constexpr const char* kCodeSection = "kiln_text";
};

}  // namespace kiln::codegen
