// serialize: wasm_module_serialize, then wasm_module_deserialize in the same
// process (the original module and its binary gone), then instantiate and
// call — in the same store and in another; the deserialized module has the
// same imports and exports, and serializes again.

#include "check.h"

static int callback_calls = 0;

// host.callback(x) = x + 1
static wasm_trap_t* callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  ++callback_calls;
  results->data[0] = val_i32(args->data[0].of.i32 + 1);
  return NULL;
}

// The interface every module of this program has.
static void check_interface(const wasm_module_t* module) {
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK_EQ_UINT(imports.size, 1);
  CHECK_NAME(wasm_importtype_module(imports.data[0]), "host");
  CHECK_NAME(wasm_importtype_name(imports.data[0]), "callback");
  const wasm_functype_t* ft = wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0]));
  CHECK(ft != NULL);
  CHECK_EQ_UINT(wasm_functype_params(ft)->size, 1);
  CHECK_EQ_UINT(wasm_functype_results(ft)->size, 1);
  wasm_importtype_vec_delete(&imports);

  static const char* const names[] = {"memory", "counter", "fac", "run"};
  static const wasm_externkind_t kinds[] = {WASM_EXTERN_MEMORY, WASM_EXTERN_GLOBAL, WASM_EXTERN_FUNC,
                                            WASM_EXTERN_FUNC};
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK_EQ_UINT(exports.size, 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK_NAME(wasm_exporttype_name(exports.data[i]), names[i]);
    CHECK_EQ_INT(wasm_externtype_kind(wasm_exporttype_type(exports.data[i])), kinds[i]);
  }
  const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(wasm_exporttype_type(exports.data[1]));
  CHECK(gt != NULL);
  CHECK_EQ_INT(wasm_globaltype_mutability(gt), WASM_VAR);
  wasm_exporttype_vec_delete(&exports);
}

// Instantiates `module` in `store` and checks that it runs from a fresh state.
static void instantiate_and_run(wasm_store_t* store, const wasm_module_t* module) {
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* func = wasm_func_new(store, type, callback);
  CHECK(func != NULL);
  wasm_functype_delete(type);
  wasm_extern_t* externs[] = {wasm_func_as_extern(func)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK_EQ_UINT(exports.size, 4);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  wasm_global_t* counter = wasm_extern_as_global(exports.data[1]);
  wasm_func_t* fac = wasm_extern_as_func(exports.data[2]);
  wasm_func_t* run = wasm_extern_as_func(exports.data[3]);
  CHECK(memory && counter && fac && run);

  // The data segment and the global's initial value.
  CHECK_EQ_UINT(wasm_memory_size(memory), 1);
  CHECK(memcmp(wasm_memory_data(memory) + 16, "kiln", 4) == 0);
  wasm_val_t v;
  wasm_global_get(counter, &v);
  CHECK_EQ_INT(v.kind, WASM_I32);
  CHECK_EQ_INT(v.of.i32, 5);

  // Compiled code: recursion and arithmetic.
  wasm_val_t args[1] = {WASM_I64_VAL(20)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(fac, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I64);
  CHECK_EQ_INT(results[0].of.i64, INT64_C(2432902008176640000));

  // The import and the global.
  int calls_before = callback_calls;
  args[0] = val_i32(41);
  CALL_OK(run, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  CHECK_EQ_INT(results[0].of.i32, 42);
  CHECK_EQ_INT(callback_calls, calls_before + 1);
  wasm_global_get(counter, &v);
  CHECK_EQ_INT(v.of.i32, 6);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(func);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(engine != NULL && store != NULL);

  // Another module first: every module below must be the one it was made
  // from, not one compiled or loaded before it.
  CHECK_ANSWER_MODULE(store);

  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);
  check_interface(module);
  instantiate_and_run(store, module);

  // Serialize; drop the original.
  wasm_byte_vec_t serialized;
  wasm_module_serialize(module, &serialized);
  CHECK(serialized.size > 0);
  CHECK(serialized.data != NULL);
  wasm_module_delete(module);

  // Deserialize in the same store: same interface, runs the same.
  wasm_module_t* deserialized = wasm_module_deserialize(store, &serialized);
  CHECK(deserialized != NULL);
  check_interface(deserialized);
  instantiate_and_run(store, deserialized);
  instantiate_and_run(store, deserialized);

  // The serialized bytes are not needed any more once deserialized.
  wasm_byte_vec_t serialized_copy;
  wasm_byte_vec_copy(&serialized_copy, &serialized);
  CHECK_EQ_UINT(serialized_copy.size, serialized.size);
  memset(serialized.data, 0, serialized.size);
  wasm_byte_vec_delete(&serialized);
  instantiate_and_run(store, deserialized);

  // Deserialize into another store, and instantiate there.
  wasm_store_t* store2 = wasm_store_new(engine);
  CHECK(store2 != NULL);
  wasm_module_t* in_store2 = wasm_module_deserialize(store2, &serialized_copy);
  CHECK(in_store2 != NULL);
  check_interface(in_store2);
  instantiate_and_run(store2, in_store2);

  // A deserialized module serializes again, and that deserializes too.
  wasm_byte_vec_t reserialized;
  wasm_module_serialize(in_store2, &reserialized);
  CHECK(reserialized.size > 0);
  wasm_module_delete(in_store2);
  wasm_store_delete(store2);
  wasm_module_t* again = wasm_module_deserialize(store, &reserialized);
  CHECK(again != NULL);
  check_interface(again);
  instantiate_and_run(store, again);
  wasm_byte_vec_delete(&reserialized);
  wasm_module_delete(again);

  // Modules compiled after a deserialization are themselves too, and the
  // deserialized module stays what it was.
  CHECK_ANSWER_MODULE(store);
  check_interface(deserialized);

  // Several modules from the same bytes live side by side.
  wasm_module_t* twin = wasm_module_deserialize(store, &serialized_copy);
  CHECK(twin != NULL);
  instantiate_and_run(store, twin);
  instantiate_and_run(store, deserialized);
  wasm_module_delete(twin);
  wasm_byte_vec_delete(&serialized_copy);

  CHECK_EQ_INT(callback_calls, 8);
  wasm_module_delete(deserialized);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("serialize");
}
