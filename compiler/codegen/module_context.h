// State shared by the translation of one wasm module: LLVM types for wasm
// values, the VM context layout (include/kiln/abi.h mirrored in LLVM terms),
// the declared functions, and the runtime entry points compiled code calls.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>

#include <cstddef>
#include <vector>

#include "codegen/codegen.h"
#include "kiln/abi.h"
#include "wasm/module.h"

namespace kiln::codegen {

// Offsets of the runtime structures compiled code reads, all from
// include/kiln/abi.h (the one source of the layout).
namespace vmctx_offset {
constexpr uint32_t memoryBase = offsetof(kiln_vmctx, memory_base);
constexpr uint32_t memory = offsetof(kiln_vmctx, memory);
constexpr uint32_t limits = offsetof(kiln_vmctx, limits);
constexpr uint32_t tables = offsetof(kiln_vmctx, tables);
constexpr uint32_t funcs = offsetof(kiln_vmctx, funcs);
constexpr uint32_t typeIds = offsetof(kiln_vmctx, type_ids);
}  // namespace vmctx_offset

namespace struct_offset {
constexpr uint32_t funcCode = offsetof(kiln_func, code);
constexpr uint32_t funcVmctx = offsetof(kiln_func, vmctx);
constexpr uint32_t funcTypeId = offsetof(kiln_func, type_id);
constexpr uint32_t tableElements = offsetof(kiln_table, elements);
constexpr uint32_t tableSize = offsetof(kiln_table, size);
constexpr uint32_t memorySize = offsetof(kiln_memory, size);
constexpr uint32_t limitsStackLimit = offsetof(kiln_limits, stack_limit);
constexpr uint32_t limitsInterrupt = offsetof(kiln_limits, interrupt);
constexpr uint32_t limitsFuel = offsetof(kiln_limits, fuel);
}  // namespace struct_offset

// The function attribute that carries a compiled function's wasm index (for
// the passes that run after translation).
inline constexpr const char* kFuncIndexAttr = "kiln-func-index";
// Metadata on the branches and calls of a wasm function: !{i32 index}. It
// survives inlining, so the checks inserted after optimisation can name the
// wasm function a loop or call came from.
inline constexpr const char* kOriginMetadata = "kiln.func";
// Metadata on the load of a stack check (which doubles as an interruption
// check): a loop that runs one on every iteration needs no other.
inline constexpr const char* kStackCheckMetadata = "kiln.stack_check";
// The name of linear memory's TBAA type (ExactTrapsPass recognises its
// loads by it).
inline constexpr const char* kLinearMemoryTbaaName = "wasm linear memory";
// Metadata on the memset and memmove calls of memory.fill and memory.copy,
// whose bounds are checked before they run: any other memory intrinsic in
// the optimised code was made by LLVM from wasm loads and stores, and is
// expanded into a loop (exact_traps.h).
inline constexpr const char* kCheckedMemMetadata = "kiln.checked";

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
  llvm::MDNode* tbaaFuel;  // kiln_limits::fuel: only metering touches it
  llvm::MDNode* unlikelyBranch;

  // Runtime entry points (declared on first use), one per entry of
  // KILN_RT_FUNCTIONS in abi.h: runtime(RuntimeFn::memory_grow).
  enum class RuntimeFn {
#define KILN_RT_ENUM(noreturn, result, name, params) name,
    KILN_RT_FUNCTIONS(KILN_RT_ENUM)
#undef KILN_RT_ENUM
  };
  llvm::FunctionCallee runtime(RuntimeFn fn);
  llvm::FunctionCallee trapFunction() { return runtime(RuntimeFn::trap); }

  // The section every compiled wasm function goes into, so the runtime
  // knows its code range from the linker's __start_/__stop_ symbols.
  static constexpr const char* kCodeSection = "kiln_text";
};

// Declares a runtime entry point in `module` (what ModuleContext::runtime
// does, for passes that run after translation).
llvm::FunctionCallee declareRuntime(llvm::Module& module, ModuleContext::RuntimeFn which);

}  // namespace kiln::codegen
