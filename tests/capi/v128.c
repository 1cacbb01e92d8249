// v128: the standard C API cannot express v128 values. A call of a function
// with a v128 in its signature returns a trap saying so (it never reaches
// the guest with garbage); other functions of the module work; reading a
// v128 global gives its low 32 bits as an i32 rather than crashing.
#include <string.h>

#include "check.h"

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  wasm_func_t* id = EXPORT_FUNC(module, &exports, "id");
  wasm_val_t args[2] = {val_i32(1), val_i32(2)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t arg_vec = {1, args};
  wasm_val_vec_t result_vec = {1, results};
  wasm_trap_t* trap = wasm_func_call(id, &arg_vec, &result_vec);
  CHECK(trap != NULL);
  char* text = TRAP_TEXT(trap);
  CHECK_MSG(strstr(text, "v128") != NULL, "the trap says why: %s", text);
  free(text);
  wasm_trap_delete(trap);

  wasm_func_t* lane = EXPORT_FUNC(module, &exports, "lane");
  CALL_OK(lane, NULL, 0, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 9);
  wasm_func_t* add = EXPORT_FUNC(module, &exports, "add");
  CALL_OK(add, args, 2, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 3);

  wasm_global_t* g = EXPORT_GLOBAL(module, &exports, "g");
  wasm_val_t value;
  wasm_global_get(g, &value);
  CHECK_EQ_INT(value.kind, WASM_I32);
  CHECK_EQ_INT(value.of.i32, 7);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("v128");
}
