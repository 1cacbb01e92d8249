#include "codegen/module_context.h"

#include <type_traits>

namespace kiln::codegen {

ModuleContext::ModuleContext(const wasm::Module& wasmModule, llvm::Module& module, const Options& opts)
    : wasm(wasmModule), ctx(module.getContext()), llvmModule(module), options(opts) {
  voidTy = llvm::Type::getVoidTy(ctx);
  i1Ty = llvm::Type::getInt1Ty(ctx);
  i8Ty = llvm::Type::getInt8Ty(ctx);
  i16Ty = llvm::Type::getInt16Ty(ctx);
  i32Ty = llvm::Type::getInt32Ty(ctx);
  i64Ty = llvm::Type::getInt64Ty(ctx);
  f32Ty = llvm::Type::getFloatTy(ctx);
  f64Ty = llvm::Type::getDoubleTy(ctx);
  v128Ty = llvm::FixedVectorType::get(i64Ty, 2);
  ptrTy = llvm::PointerType::get(ctx, 0);

  llvm::MDBuilder md(ctx);
  llvm::MDNode* root = md.createTBAARoot("kiln");
  auto scalarTag = [&](const char* name) {
    llvm::MDNode* type = md.createTBAAScalarTypeNode(name, root);
    return md.createTBAAStructTagNode(type, type, 0);
  };
  tbaaLinearMemory = scalarTag(kLinearMemoryTbaaName);
  tbaaVmctx = scalarTag("kiln vmctx");
  tbaaGlobal = scalarTag("wasm global");
  tbaaTable = scalarTag("wasm table");
  tbaaFuel = scalarTag("kiln fuel");
  unlikelyBranch = md.createBranchWeights(1, 1u << 20);

  for (const wasm::FuncType& type : wasm.types) llvmFuncTypes.push_back(functionType(type));

  fixedTables.assign(wasm.tables.size(), true);
  for (uint32_t i = 0; i < wasm.numImportedTables; ++i) fixedTables[i] = false;
  for (const wasm::Export& e : wasm.exports) {
    if (e.kind == wasm::ExternKind::Table) fixedTables[e.index] = false;
  }
  for (const wasm::FunctionBody& body : wasm.bodies) {
    for (const wasm::Instr& in : body.code) {
      switch (in.op) {
        case wasm::Opcode::TableSet:
        case wasm::Opcode::TableGrow:
        case wasm::Opcode::TableFill:
        case wasm::Opcode::TableCopy: fixedTables[in.index] = false; break;   // index: the written table
        case wasm::Opcode::TableInit: fixedTables[in.index2] = false; break;  // index2: the table
        default: break;
      }
    }
  }

  uint32_t offset = kGlobalsOffset;
  for (size_t i = 0; i < wasm.globals.size(); ++i) {
    globalOffsets.push_back(offset);
    offset += KILN_GLOBAL_CELL_SIZE;
  }
  vmctxSize = offset;
}

llvm::Type* ModuleContext::valType(wasm::ValType t) const {
  switch (t) {
    case wasm::ValType::I32: return i32Ty;
    case wasm::ValType::I64: return i64Ty;
    case wasm::ValType::F32: return f32Ty;
    case wasm::ValType::F64: return f64Ty;
    case wasm::ValType::V128: return v128Ty;
    case wasm::ValType::FuncRef:
    case wasm::ValType::ExternRef: return ptrTy;
  }
  return i32Ty;
}

llvm::Type* ModuleContext::resultType(const wasm::FuncType& type) const {
  if (type.results.empty()) return voidTy;
  if (type.results.size() == 1) return valType(type.results[0]);
  std::vector<llvm::Type*> fields;
  for (wasm::ValType t : type.results) fields.push_back(valType(t));
  return llvm::StructType::get(ctx, fields);
}

llvm::FunctionType* ModuleContext::functionType(const wasm::FuncType& type) const {
  std::vector<llvm::Type*> params{ptrTy};
  for (wasm::ValType t : type.params) params.push_back(valType(t));
  return llvm::FunctionType::get(resultType(type), params, false);
}

namespace {

// The LLVM type of a C type in a kiln_rt_* prototype.
template <typename T>
llvm::Type* llvmTypeOf(llvm::LLVMContext& ctx) {
  if constexpr (std::is_void_v<T>) {
    return llvm::Type::getVoidTy(ctx);
  } else if constexpr (std::is_pointer_v<T>) {
    return llvm::PointerType::get(ctx, 0);
  } else {
    static_assert(std::is_integral_v<T>, "kiln_rt_* functions take integers and pointers");
    return llvm::Type::getIntNTy(ctx, sizeof(T) * 8);
  }
}

template <typename R, typename... A>
llvm::FunctionType* llvmFunctionTypeOf(llvm::LLVMContext& ctx, R (*)(A...)) {
  return llvm::FunctionType::get(llvmTypeOf<R>(ctx), {llvmTypeOf<A>(ctx)...}, false);
}

struct RuntimeFnInfo {
  const char* name;
  llvm::FunctionType* (*type)(llvm::LLVMContext&);
  bool noReturn;
};

// One entry per KILN_RT_FUNCTIONS row, its LLVM type derived from the C
// prototype that abi.h declares from the same row.
constexpr RuntimeFnInfo kRuntimeFns[] = {
#define KILN_RT_INFO(noreturn, result, name, params) \
  {"kiln_rt_" #name, [](llvm::LLVMContext& ctx) { return llvmFunctionTypeOf(ctx, &kiln_rt_##name); }, noreturn != 0},
    KILN_RT_FUNCTIONS(KILN_RT_INFO)
#undef KILN_RT_INFO
};

}  // namespace

llvm::FunctionCallee ModuleContext::runtime(RuntimeFn which) { return declareRuntime(llvmModule, which); }

llvm::FunctionCallee declareRuntime(llvm::Module& module, ModuleContext::RuntimeFn which) {
  const RuntimeFnInfo& info = kRuntimeFns[static_cast<size_t>(which)];
  llvm::FunctionCallee callee = module.getOrInsertFunction(info.name, info.type(module.getContext()));
  if (auto* fn = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    fn->addFnAttr(llvm::Attribute::NoUnwind);
    if (info.noReturn) {
      fn->addFnAttr(llvm::Attribute::NoReturn);
      fn->addFnAttr(llvm::Attribute::Cold);
    }
  }
  return callee;
}

}  // namespace kiln::codegen
