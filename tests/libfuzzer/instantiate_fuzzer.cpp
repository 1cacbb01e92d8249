// libFuzzer target: instantiation (scripts/libfuzz.sh). A valid module is
// compiled in-process through the C API (kiln_module_compile) into a store
// with limits (64 MiB of memory, 1 s), given a stub for every import
// (host functions that return zeros, fresh memories, tables and globals of
// the declared types) and instantiated, which runs its segments and start
// function; then every exported function is called once with zero
// arguments. Traps are expected; a crash, a sanitizer report, a hang or a
// leak is a bug.
#include <wasm.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kiln/kiln.h"

namespace {

wasm_trap_t* returnZeros(void*, const wasm_val_vec_t*, wasm_val_vec_t* results) {
  for (size_t i = 0; i < results->size; ++i) {
    wasm_valkind_t kind = results->data[i].kind;
    std::memset(&results->data[i], 0, sizeof results->data[i]);
    results->data[i].kind = kind;
  }
  return nullptr;
}

wasm_val_t zeroOf(const wasm_valtype_t* type) {
  wasm_val_t v;
  std::memset(&v, 0, sizeof v);
  v.kind = wasm_valtype_kind(type);
  return v;
}

// A stub for one import (nullptr when none can be made).
wasm_extern_t* stub(wasm_store_t* store, const wasm_externtype_t* type) {
  switch (wasm_externtype_kind(type)) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t* ft = wasm_externtype_as_functype_const(type);
      return wasm_func_as_extern(wasm_func_new_with_env(store, ft, returnZeros, nullptr, nullptr));
    }
    case WASM_EXTERN_GLOBAL: {
      const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(type);
      wasm_val_t zero = zeroOf(wasm_globaltype_content(gt));
      wasm_global_t* g = wasm_global_new(store, gt, &zero);
      return g ? wasm_global_as_extern(g) : nullptr;
    }
    case WASM_EXTERN_TABLE: {
      wasm_table_t* t = wasm_table_new(store, wasm_externtype_as_tabletype_const(type), nullptr);
      return t ? wasm_table_as_extern(t) : nullptr;
    }
    case WASM_EXTERN_MEMORY: {
      wasm_memory_t* m = wasm_memory_new(store, wasm_externtype_as_memorytype_const(type));
      return m ? wasm_memory_as_extern(m) : nullptr;
    }
    default: return nullptr;
  }
}

wasm_engine_t* engine() {
  static wasm_engine_t* engine = [] {
    wasm_config_t* config = wasm_config_new();
    kiln_config_max_memory(config, 64u << 20);
    kiln_config_max_table_elements(config, 1u << 20);
    return wasm_engine_new_with_config(config);
  }();
  return engine;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wasm_store_t* store = wasm_store_new(engine());
  wasm_byte_vec_t bytes = {size, reinterpret_cast<char*>(const_cast<uint8_t*>(data))};
  if (!wasm_module_validate(store, &bytes)) {
    wasm_store_delete(store);
    return -1;  // invalid: the decoder's target covers it
  }
  wasm_module_t* compiled = nullptr;
  if (kiln_error_t* error = kiln_module_compile(store, &bytes, &compiled)) {
    std::fprintf(stderr, "kiln-fuzz-instantiate: a valid module did not compile: %s\n", kiln_error_message(error));
    std::abort();
  }
  wasm_importtype_vec_t imports;
  wasm_module_imports(compiled, &imports);
  std::vector<wasm_extern_t*> externs;
  bool complete = true;
  for (size_t i = 0; i < imports.size; ++i) {
    wasm_extern_t* e = stub(store, wasm_importtype_type(imports.data[i]));
    if (!e) complete = false;
    externs.push_back(e);
  }
  wasm_importtype_vec_delete(&imports);
  if (complete) {
    wasm_extern_vec_t importVec = {externs.size(), externs.data()};
    wasm_trap_t* trap = nullptr;
    kiln_store_set_timeout(store, 1'000'000'000ull);
    wasm_instance_t* instance = wasm_instance_new(store, compiled, &importVec, &trap);
    if (trap) wasm_trap_delete(trap);
    if (instance) {
      wasm_extern_vec_t exports;
      wasm_instance_exports(instance, &exports);
      for (size_t i = 0; i < exports.size; ++i) {
        wasm_func_t* func = wasm_extern_as_func(exports.data[i]);
        if (!func) continue;
        std::vector<wasm_val_t> args(wasm_func_param_arity(func)), results(wasm_func_result_arity(func));
        wasm_functype_t* type = wasm_func_type(func);
        const wasm_valtype_vec_t* params = wasm_functype_params(type);
        for (size_t p = 0; p < params->size; ++p) args[p] = zeroOf(params->data[p]);
        wasm_functype_delete(type);
        wasm_val_vec_t argVec = {args.size(), args.data()}, resultVec = {results.size(), results.data()};
        kiln_store_set_timeout(store, 100'000'000ull);
        if (wasm_trap_t* t = wasm_func_call(func, &argVec, &resultVec)) wasm_trap_delete(t);
      }
      wasm_extern_vec_delete(&exports);
      wasm_instance_delete(instance);
    }
  }
  for (wasm_extern_t* e : externs) {
    if (e) wasm_extern_delete(e);
  }
  wasm_module_delete(compiled);
  wasm_store_delete(store);
  return 0;
}
