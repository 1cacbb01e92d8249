// hello: compile a module, instantiate it with one host function, call an
// export that calls the host back, and check the arguments and results that
// cross in both directions.

#include "check.h"

static int hello_calls = 0;
static int32_t hello_last_arg = 0;

// host.hello(x) = x * 2
static wasm_trap_t* hello_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_UINT(results->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  ++hello_calls;
  hello_last_arg = args->data[0].of.i32;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine != NULL);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);

  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);

  // Compile; the binary can go once the module exists.
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);

  // The module's interface: host.hello imported, run exported.
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK_EQ_UINT(imports.size, 1);
  CHECK_NAME(wasm_importtype_module(imports.data[0]), "host");
  CHECK_NAME(wasm_importtype_name(imports.data[0]), "hello");
  CHECK_EQ_INT(wasm_externtype_kind(wasm_importtype_type(imports.data[0])), WASM_EXTERN_FUNC);
  wasm_importtype_vec_delete(&imports);

  wasm_exporttype_vec_t exports_types;
  wasm_module_exports(module, &exports_types);
  CHECK_EQ_UINT(exports_types.size, 1);
  CHECK_NAME(wasm_exporttype_name(exports_types.data[0]), "run");
  wasm_exporttype_vec_delete(&exports_types);

  // The host function.
  wasm_functype_t* hello_type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  CHECK(hello_type != NULL);
  wasm_func_t* hello_func = wasm_func_new(store, hello_type, hello_callback);
  CHECK(hello_func != NULL);
  wasm_functype_delete(hello_type);
  CHECK_EQ_UINT(wasm_func_param_arity(hello_func), 1);
  CHECK_EQ_UINT(wasm_func_result_arity(hello_func), 1);

  // Instantiate.
  wasm_extern_t* externs[] = {wasm_func_as_extern(hello_func)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);
  CHECK_EQ_INT(hello_calls, 0);

  // The export: one function taking and returning an i32.
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK_EQ_UINT(exports.size, 1);
  CHECK_EQ_INT(wasm_extern_kind(exports.data[0]), WASM_EXTERN_FUNC);
  wasm_func_t* run = wasm_extern_as_func(exports.data[0]);
  CHECK(run != NULL);
  CHECK_EQ_UINT(wasm_func_param_arity(run), 1);
  CHECK_EQ_UINT(wasm_func_result_arity(run), 1);
  wasm_functype_t* run_type = wasm_func_type(run);
  CHECK(run_type != NULL);
  CHECK_EQ_UINT(wasm_functype_params(run_type)->size, 1);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_params(run_type)->data[0]), WASM_I32);
  CHECK_EQ_UINT(wasm_functype_results(run_type)->size, 1);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_results(run_type)->data[0]), WASM_I32);
  wasm_functype_delete(run_type);

  // run(20) calls hello(21), which returns 42.
  wasm_val_t args[1] = {WASM_I32_VAL(20)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(run, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  CHECK_EQ_INT(results[0].of.i32, 42);
  CHECK_EQ_INT(hello_calls, 1);
  CHECK_EQ_INT(hello_last_arg, 21);

  // Again, with a negative number: nothing is cached between calls.
  args[0] = val_i32(-8);
  CALL_OK(run, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, -14);
  CHECK_EQ_INT(hello_calls, 2);
  CHECK_EQ_INT(hello_last_arg, -7);

  // The host function called from the host.
  args[0] = val_i32(5);
  CALL_OK(hello_func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 10);
  CHECK_EQ_INT(hello_calls, 3);

  // The export outlives the instance handle and the module handle.
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  args[0] = val_i32(100);
  CALL_OK(run, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 202);
  CHECK_EQ_INT(hello_calls, 4);

  wasm_extern_vec_delete(&exports);
  wasm_func_delete(hello_func);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("hello");
}
