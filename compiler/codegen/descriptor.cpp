// The kiln_module descriptor: a constant data structure, laid out exactly as
// the C structs in include/kiln/abi.h, that tells the runtime everything it
// needs to instantiate the module (tests/unit/codegen_test.cpp checks the
// LLVM layouts against sizeof/offsetof).
#include "codegen/descriptor.h"

#include <algorithm>
#include <string>

namespace kiln::codegen {

namespace {

class DescriptorBuilder {
 public:
  explicit DescriptorBuilder(ModuleContext& mc) : mc_(mc), ctx_(mc.ctx) {
    llvm::Type* i8 = mc.i8Ty;
    llvm::Type* i16 = mc.i16Ty;
    llvm::Type* i32 = mc.i32Ty;
    llvm::Type* i64 = mc.i64Ty;
    llvm::Type* ptr = mc.ptrTy;
    auto pad = [&](unsigned n) { return llvm::ArrayType::get(i8, n); };
    constExprTy_ = llvm::StructType::create(ctx_, {i8, i8, i16, i32, i64, i64}, "kiln_const_expr");
    typeDescTy_ = llvm::StructType::create(ctx_, {i32, i32, ptr, ptr, ptr}, "kiln_type_desc");
    importDescTy_ = llvm::StructType::create(ctx_, {ptr, ptr, i32, i32, i8, pad(3), i32}, "kiln_import_desc");
    exportDescTy_ = llvm::StructType::create(ctx_, {ptr, i32, i8, pad(3), i32, i32}, "kiln_export_desc");
    funcDescTy_ = llvm::StructType::create(ctx_, {i32, i32, ptr, ptr}, "kiln_func_desc");
    tableDescTy_ = llvm::StructType::create(ctx_, {i8, i8, pad(6), i64, i64}, "kiln_table_desc");
    memoryDescTy_ = llvm::StructType::create(ctx_, {i8, pad(7), i64, i64}, "kiln_memory_desc");
    globalDescTy_ = llvm::StructType::create(ctx_, {i8, i8, i8, i8, i32, constExprTy_}, "kiln_global_desc");
    elemDescTy_ = llvm::StructType::create(ctx_, {i8, i8, pad(2), i32, constExprTy_, i32, i32, ptr}, "kiln_elem_desc");
    dataDescTy_ = llvm::StructType::create(ctx_, {i8, pad(3), i32, constExprTy_, i64, ptr}, "kiln_data_desc");
    moduleDescTy_ = llvm::StructType::create(
        ctx_,
        {i32, i32, ptr, i64, ptr,            // abi_version, flags, kiln_version, options_hash, module_name
         i32, i32, ptr,                      // vmctx_size, num_types, types
         i32, i32, ptr, ptr,                 // num_imports, num_exports, imports, exports
         i32, i32, ptr,                      // num_funcs, num_imported_funcs, funcs
         i32, i32, ptr, ptr,                 // num_tables, num_memories, tables, memories
         i32, i32, ptr, ptr,                 // num_globals, num_elems, globals, elems
         i32, i32, ptr,                      // num_datas, start_func, datas
         ptr, ptr},                          // code_begin, code_end
        "kiln_module_desc");
  }

  void build(const Options& options) {
    const wasm::Module& w = mc_.wasm;
    std::vector<llvm::Constant*> types, imports, exports, funcs, tables, memories, globals, elems, datas;

    for (uint32_t i = 0; i < w.types.size(); ++i) {
      const wasm::FuncType& t = w.types[i];
      std::vector<uint8_t> codes;
      for (wasm::ValType v : t.params) codes.push_back(static_cast<uint8_t>(v));
      for (wasm::ValType v : t.results) codes.push_back(static_cast<uint8_t>(v));
      types.push_back(llvm::ConstantStruct::get(
          typeDescTy_, {u32(t.params.size()), u32(t.results.size()), bytes(codes, "kiln.sig"), trampoline(i),
                                      hostCallThunk(i)}));
    }
    uint32_t importCounts[4] = {0, 0, 0, 0};  // each import's index in its own index space
    for (const wasm::Import& imp : w.imports) {
      unsigned kind = static_cast<unsigned>(imp.kind);
      imports.push_back(llvm::ConstantStruct::get(
          importDescTy_, {string(imp.module), string(imp.name), u32(imp.module.size()), u32(imp.name.size()),
                          u8(kind), zeros(3), u32(importCounts[kind]++)}));
    }
    for (const wasm::Export& e : w.exports) {
      exports.push_back(llvm::ConstantStruct::get(
          exportDescTy_,
          {string(e.name), u32(e.name.size()), u8(static_cast<uint8_t>(e.kind)), zeros(3), u32(e.index), u32(0)}));
    }
    for (uint32_t i = 0; i < w.funcTypes.size(); ++i) {
      llvm::Constant* code = mc_.functions[i] ? static_cast<llvm::Constant*>(mc_.functions[i]) : nullPtr();
      funcs.push_back(llvm::ConstantStruct::get(
          funcDescTy_, {u32(w.funcTypes[i]), u32(0), code, string(w.displayFuncName(i))}));
    }
    for (uint32_t i = 0; i < w.tables.size(); ++i) {
      const wasm::TableType& t = w.tables[i];
      tables.push_back(llvm::ConstantStruct::get(
          tableDescTy_, {u8(static_cast<uint8_t>(t.elemType)), u8(w.isImportedTable(i)), zeros(6),
                         u64(t.limits.min), u64(t.limits.max ? *t.limits.max : KILN_NO_MAX)}));
    }
    for (uint32_t i = 0; i < w.memories.size(); ++i) {
      const wasm::MemoryType& m = w.memories[i];
      memories.push_back(llvm::ConstantStruct::get(
          memoryDescTy_, {u8(w.isImportedMemory(i)), zeros(7), u64(m.limits.min),
                          u64(m.limits.max ? *m.limits.max : KILN_NO_MAX)}));
    }
    for (uint32_t i = 0; i < w.globals.size(); ++i) {
      const wasm::Global& g = w.globals[i];
      bool imported = w.isImportedGlobal(i);
      globals.push_back(llvm::ConstantStruct::get(
          globalDescTy_, {u8(static_cast<uint8_t>(g.type.type)), u8(g.type.isMutable), u8(imported), u8(0),
                          u32(mc_.globalOffsets[i]), imported ? emptyConst() : constExpr(g.init, g.type.type)}));
    }
    for (const wasm::ElemSegment& e : w.elems) {
      std::vector<llvm::Constant*> items;
      for (const wasm::ConstExpr& item : e.items) items.push_back(constExpr(item, e.elemType));
      elems.push_back(llvm::ConstantStruct::get(
          elemDescTy_, {u8(segmentMode(e.mode)), u8(static_cast<uint8_t>(e.elemType)), zeros(2), u32(e.tableIndex),
                        e.mode == wasm::SegmentMode::Active ? constExpr(e.offset, wasm::ValType::I32) : emptyConst(),
                        u32(items.size()), u32(0), array(constExprTy_, items, "kiln.elem_items")}));
    }
    for (const wasm::DataSegment& d : w.datas) {
      datas.push_back(llvm::ConstantStruct::get(
          dataDescTy_, {u8(segmentMode(d.mode)), zeros(3), u32(d.memoryIndex),
                        d.mode == wasm::SegmentMode::Active ? constExpr(d.offset, wasm::ValType::I32) : emptyConst(),
                        u64(d.bytes.size()), bytes(d.bytes, "kiln.data")}));
    }

    llvm::Constant* codeBegin = nullPtr();
    llvm::Constant* codeEnd = nullPtr();
    if (w.funcTypes.size() > w.numImportedFuncs) {
      codeBegin = sectionBoundary(std::string("__start_") + ModuleContext::kCodeSection);
      codeEnd = sectionBoundary(std::string("__stop_") + ModuleContext::kCodeSection);
    }

    uint32_t flags = KILN_FLAG_MEMORY_PAGE_CAP | KILN_FLAG_STACK_CHECKS | KILN_FLAG_FRAME_POINTERS;
    if (options.explicitBoundsChecks) flags |= KILN_FLAG_EXPLICIT_BOUNDS_CHECKS;
    if (options.epochChecks) flags |= KILN_FLAG_EPOCH_CHECKS;
    if (options.fuel) flags |= KILN_FLAG_FUEL;
    llvm::Constant* desc = llvm::ConstantStruct::get(
        moduleDescTy_,
        {u32(KILN_ABI_VERSION), u32(flags), string(KILN_VERSION), u64(optionsHash(options)),
         w.moduleName.empty() ? nullPtr() : string(w.moduleName),
         u32(mc_.vmctxSize), u32(types.size()), array(typeDescTy_, types, "kiln.types"),
         u32(imports.size()), u32(exports.size()), array(importDescTy_, imports, "kiln.imports"),
         array(exportDescTy_, exports, "kiln.exports"),
         u32(funcs.size()), u32(w.numImportedFuncs), array(funcDescTy_, funcs, "kiln.funcs"),
         u32(tables.size()), u32(memories.size()), array(tableDescTy_, tables, "kiln.tables"),
         array(memoryDescTy_, memories, "kiln.memories"),
         u32(globals.size()), u32(elems.size()), array(globalDescTy_, globals, "kiln.globals"),
         array(elemDescTy_, elems, "kiln.elems"),
         u32(datas.size()), u32(w.start ? static_cast<int32_t>(*w.start) : -1), array(dataDescTy_, datas, "kiln.datas"),
         codeBegin, codeEnd});
    new llvm::GlobalVariable(mc_.llvmModule, moduleDescTy_, true, llvm::GlobalValue::ExternalLinkage, desc,
                             options.moduleSymbol);
  }

 private:
  llvm::Constant* u8(uint64_t v) { return llvm::ConstantInt::get(mc_.i8Ty, v); }
  llvm::Constant* u16(uint64_t v) { return llvm::ConstantInt::get(mc_.i16Ty, v); }
  llvm::Constant* u32(uint64_t v) { return llvm::ConstantInt::get(mc_.i32Ty, v); }
  llvm::Constant* u64(uint64_t v) { return llvm::ConstantInt::get(mc_.i64Ty, v); }
  llvm::Constant* nullPtr() { return llvm::ConstantPointerNull::get(mc_.ptrTy); }
  llvm::Constant* zeros(unsigned n) { return llvm::ConstantAggregateZero::get(llvm::ArrayType::get(mc_.i8Ty, n)); }
  llvm::Constant* emptyConst() { return llvm::ConstantAggregateZero::get(constExprTy_); }

  static uint8_t segmentMode(wasm::SegmentMode m) {
    switch (m) {
      case wasm::SegmentMode::Active: return KILN_SEGMENT_ACTIVE;
      case wasm::SegmentMode::Passive: return KILN_SEGMENT_PASSIVE;
      case wasm::SegmentMode::Declarative: return KILN_SEGMENT_DECLARATIVE;
    }
    return KILN_SEGMENT_ACTIVE;
  }

  llvm::Constant* string(const std::string& s) {
    auto it = strings_.find(s);
    if (it != strings_.end()) return it->second;
    llvm::Constant* data = llvm::ConstantDataArray::getString(ctx_, s, true);
    auto* gv = new llvm::GlobalVariable(mc_.llvmModule, data->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                        data, "kiln.str");
    gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    strings_[s] = gv;
    return gv;
  }

  llvm::Constant* bytes(const std::vector<uint8_t>& data, const char* name) {
    if (data.empty()) return nullPtr();
    llvm::Constant* init = llvm::ConstantDataArray::get(ctx_, data);
    auto* gv = new llvm::GlobalVariable(mc_.llvmModule, init->getType(), true, llvm::GlobalValue::PrivateLinkage,
                                        init, name);
    gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    return gv;
  }

  llvm::Constant* array(llvm::StructType* type, const std::vector<llvm::Constant*>& items, const char* name) {
    if (items.empty()) return nullPtr();
    auto* arrayTy = llvm::ArrayType::get(type, items.size());
    return new llvm::GlobalVariable(mc_.llvmModule, arrayTy, true, llvm::GlobalValue::PrivateLinkage,
                                    llvm::ConstantArray::get(arrayTy, items), name);
  }

  llvm::Constant* constExpr(const wasm::ConstExpr& e, wasm::ValType type) {
    uint8_t kind = KILN_CONST_I32;
    uint8_t resultType = static_cast<uint8_t>(type);
    switch (e.kind) {
      case wasm::ConstExpr::Kind::I32Const: kind = KILN_CONST_I32; break;
      case wasm::ConstExpr::Kind::I64Const: kind = KILN_CONST_I64; break;
      case wasm::ConstExpr::Kind::F32Const: kind = KILN_CONST_F32; break;
      case wasm::ConstExpr::Kind::F64Const: kind = KILN_CONST_F64; break;
      case wasm::ConstExpr::Kind::V128Const: kind = KILN_CONST_V128; break;
      case wasm::ConstExpr::Kind::RefNull:
        kind = KILN_CONST_REF_NULL;
        resultType = static_cast<uint8_t>(e.refType);
        break;
      case wasm::ConstExpr::Kind::RefFunc: kind = KILN_CONST_REF_FUNC; break;
      case wasm::ConstExpr::Kind::GlobalGet: kind = KILN_CONST_GLOBAL_GET; break;
    }
    return llvm::ConstantStruct::get(constExprTy_,
                                     {u8(kind), u8(resultType), u16(0), u32(e.index), u64(e.bits), u64(e.bitsHigh)});
  }

  llvm::Constant* sectionBoundary(const std::string& name) {
    auto* gv = new llvm::GlobalVariable(mc_.llvmModule, mc_.i8Ty, true, llvm::GlobalValue::ExternalLinkage, nullptr,
                                        name);
    gv->setVisibility(llvm::GlobalValue::HiddenVisibility);
    return gv;
  }

  // void trampoline(void* code, kiln_vmctx* vmctx, kiln_val* args): lets the
  // runtime call a function of this type without knowing its signature.
  llvm::Constant* trampoline(uint32_t typeIndex) {
    const wasm::FuncType& sig = mc_.wasm.types[typeIndex];
    llvm::FunctionType* fnTy = mc_.functionTypeOf(typeIndex);
    auto* tramp = llvm::Function::Create(
        llvm::FunctionType::get(mc_.voidTy, {mc_.ptrTy, mc_.ptrTy, mc_.ptrTy}, false),
        llvm::GlobalValue::InternalLinkage, "kiln.array_call." + std::to_string(typeIndex), &mc_.llvmModule);
    tramp->addFnAttr("frame-pointer", "all");
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx_, "entry", tramp));
    llvm::Value* args = tramp->getArg(2);
    std::vector<llvm::Value*> callArgs{tramp->getArg(1)};
    for (size_t i = 0; i < sig.params.size(); ++i) {
      llvm::Value* slot = b.CreateConstInBoundsGEP1_64(mc_.i8Ty, args, i * sizeof(kiln_val));
      callArgs.push_back(b.CreateAlignedLoad(mc_.valType(sig.params[i]), slot, llvm::Align(8)));
    }
    llvm::CallInst* call = b.CreateCall(fnTy, tramp->getArg(0), callArgs);
    for (unsigned i = 0; i < sig.results.size(); ++i) {
      llvm::Value* slot = b.CreateConstInBoundsGEP1_64(mc_.i8Ty, args, i * sizeof(kiln_val));
      llvm::Value* value = sig.results.size() == 1 ? static_cast<llvm::Value*>(call) : b.CreateExtractValue(call, {i});
      b.CreateAlignedStore(value, slot, llvm::Align(8));
    }
    b.CreateRetVoid();
    return tramp;
  }

  // results thunk(kiln_vmctx* ctx, params...): the other direction, native
  // convention to array (kiln_type_desc.host_call): spills the parameters
  // into a kiln_val array, lets kiln_rt_host_call run the host function,
  // and returns what it left in the array.
  llvm::Constant* hostCallThunk(uint32_t typeIndex) {
    const wasm::FuncType& sig = mc_.wasm.types[typeIndex];
    auto* thunk = llvm::Function::Create(mc_.functionTypeOf(typeIndex), llvm::GlobalValue::InternalLinkage,
                                         "kiln.host_call." + std::to_string(typeIndex), &mc_.llvmModule);
    thunk->addFnAttr("frame-pointer", "all");
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx_, "entry", thunk));
    size_t slots = std::max<size_t>({sig.params.size(), sig.results.size(), 1});
    auto* arrayTy = llvm::ArrayType::get(mc_.i8Ty, slots * sizeof(kiln_val));
    llvm::AllocaInst* args = b.CreateAlloca(arrayTy, nullptr, "args");
    args->setAlignment(llvm::Align(16));
    for (size_t i = 0; i < sig.params.size(); ++i) {
      llvm::Value* slot = b.CreateConstInBoundsGEP1_64(mc_.i8Ty, args, i * sizeof(kiln_val));
      b.CreateAlignedStore(thunk->getArg(static_cast<unsigned>(i + 1)), slot, llvm::Align(8));
    }
    b.CreateCall(mc_.runtime(ModuleContext::RuntimeFn::host_call), {thunk->getArg(0), args});
    llvm::Type* resultTy = thunk->getReturnType();
    if (sig.results.empty()) {
      b.CreateRetVoid();
      return thunk;
    }
    llvm::Value* result = llvm::UndefValue::get(resultTy);
    for (unsigned i = 0; i < sig.results.size(); ++i) {
      llvm::Value* slot = b.CreateConstInBoundsGEP1_64(mc_.i8Ty, args, i * sizeof(kiln_val));
      llvm::Value* value = b.CreateAlignedLoad(mc_.valType(sig.results[i]), slot, llvm::Align(8));
      result = sig.results.size() == 1 ? value : b.CreateInsertValue(result, value, {i});
    }
    b.CreateRet(result);
    return thunk;
  }

  ModuleContext& mc_;
  llvm::LLVMContext& ctx_;
  std::unordered_map<std::string, llvm::Constant*> strings_;
  llvm::StructType* constExprTy_;
  llvm::StructType* typeDescTy_;
  llvm::StructType* importDescTy_;
  llvm::StructType* exportDescTy_;
  llvm::StructType* funcDescTy_;
  llvm::StructType* tableDescTy_;
  llvm::StructType* memoryDescTy_;
  llvm::StructType* globalDescTy_;
  llvm::StructType* elemDescTy_;
  llvm::StructType* dataDescTy_;
  llvm::StructType* moduleDescTy_;
};

}  // namespace

void emitDescriptor(ModuleContext& mc, const Options& options) { DescriptorBuilder(mc).build(options); }

}  // namespace kiln::codegen
