// callback: host functions called from wasm — plain callbacks, a callback with
// an environment, a callback that calls back into wasm, arguments of every
// numeric type, and no arguments or results at all.

#include "check.h"

static int echo_calls = 0;
static int closure_calls = 0;
static int nothing_calls = 0;
static int mix_calls = 0;
static wasm_func_t* square_export = NULL;

// host.echo(x) = x
static wasm_trap_t* echo_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_UINT(results->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  ++echo_calls;
  results->data[0] = val_i32(args->data[0].of.i32);
  return NULL;
}

// host.closure() = *env, read at every call.
static wasm_trap_t* closure_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(env != NULL);
  CHECK_EQ_UINT(args->size, 0);
  CHECK_EQ_UINT(results->size, 1);
  ++closure_calls;
  results->data[0] = val_i32(*(const int32_t*)env);
  return NULL;
}

// host.reenter(x) = square(x), through wasm_func_call on the export.
static wasm_trap_t* reenter_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  CHECK(square_export != NULL);
  wasm_val_t inner_args[1] = {val_i32(args->data[0].of.i32)};
  wasm_val_t inner_results[1] = {WASM_INIT_VAL};
  CALL_OK(square_export, inner_args, 1, inner_results, 1);
  CHECK_EQ_INT(inner_results[0].kind, WASM_I32);
  results->data[0] = val_i32(inner_results[0].of.i32);
  return NULL;
}

// host.mix(i32, i64, f32, f64): checks the exact values it was given and
// returns their sum as an f64.
static wasm_trap_t* mix_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 4);
  CHECK_EQ_UINT(results->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  CHECK_EQ_INT(args->data[1].kind, WASM_I64);
  CHECK_EQ_INT(args->data[2].kind, WASM_F32);
  CHECK_EQ_INT(args->data[3].kind, WASM_F64);
  CHECK_EQ_INT(args->data[0].of.i32, -3);
  CHECK_EQ_UINT((uint64_t)args->data[1].of.i64, UINT64_C(0x100000005));
  CHECK_EQ_F32(args->data[2].of.f32, 0.25f);
  CHECK_EQ_F64(args->data[3].of.f64, -1.5);
  ++mix_calls;
  results->data[0] = val_f64((double)args->data[0].of.i32 + (double)args->data[1].of.i64 +
                             (double)args->data[2].of.f32 + args->data[3].of.f64);
  return NULL;
}

static wasm_trap_t* nothing_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 0);
  CHECK_EQ_UINT(results->size, 0);
  ++nothing_calls;
  return NULL;
}

static int env_finalized = 0;
static void env_finalizer(void* env) {
  CHECK(env != NULL);
  ++env_finalized;
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  // The host functions, in import order.
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_functype_t* v_i = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_functype_t* v_v = wasm_functype_new_0_0();
  wasm_valtype_t* mix_params_data[4] = {wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                        wasm_valtype_new_f32(), wasm_valtype_new_f64()};
  wasm_valtype_t* mix_results_data[1] = {wasm_valtype_new_f64()};
  wasm_valtype_vec_t mix_params, mix_results;
  wasm_valtype_vec_new(&mix_params, 4, mix_params_data);
  wasm_valtype_vec_new(&mix_results, 1, mix_results_data);
  wasm_functype_t* mix_type = wasm_functype_new(&mix_params, &mix_results);
  CHECK(i_i && v_i && v_v && mix_type);

  int32_t closure_env = 100;
  wasm_func_t* echo = wasm_func_new(store, i_i, echo_callback);
  wasm_func_t* closure = wasm_func_new_with_env(store, v_i, closure_callback, &closure_env, env_finalizer);
  wasm_func_t* reenter = wasm_func_new(store, i_i, reenter_callback);
  wasm_func_t* mix = wasm_func_new(store, mix_type, mix_callback);
  wasm_func_t* nothing = wasm_func_new(store, v_v, nothing_callback);
  CHECK(echo && closure && reenter && mix && nothing);
  wasm_functype_delete(i_i);
  wasm_functype_delete(v_i);
  wasm_functype_delete(v_v);
  wasm_functype_delete(mix_type);

  // The host functions keep the types they were made with.
  wasm_functype_t* mix_type_back = wasm_func_type(mix);
  CHECK_EQ_UINT(wasm_functype_params(mix_type_back)->size, 4);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_params(mix_type_back)->data[1]), WASM_I64);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_params(mix_type_back)->data[2]), WASM_F32);
  CHECK_EQ_UINT(wasm_functype_results(mix_type_back)->size, 1);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_functype_results(mix_type_back)->data[0]), WASM_F64);
  wasm_functype_delete(mix_type_back);
  CHECK_EQ_UINT(wasm_func_param_arity(nothing), 0);
  CHECK_EQ_UINT(wasm_func_result_arity(nothing), 0);

  wasm_extern_t* externs[] = {wasm_func_as_extern(echo), wasm_func_as_extern(closure),
                              wasm_func_as_extern(reenter), wasm_func_as_extern(mix),
                              wasm_func_as_extern(nothing)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  square_export = EXPORT_FUNC(module, &exports, "square");
  wasm_func_t* run = EXPORT_FUNC(module, &exports, "run");
  wasm_func_t* bounce = EXPORT_FUNC(module, &exports, "bounce");
  wasm_func_t* mix_export = EXPORT_FUNC(module, &exports, "mix");
  wasm_func_t* around = EXPORT_FUNC(module, &exports, "around");

  // run(3, 4) = echo(7) + closure() = 7 + 100
  wasm_val_t args[4];
  wasm_val_t results[1];
  args[0] = val_i32(3);
  args[1] = val_i32(4);
  CALL_OK(run, args, 2, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  CHECK_EQ_INT(results[0].of.i32, 107);
  CHECK_EQ_INT(echo_calls, 1);
  CHECK_EQ_INT(closure_calls, 1);

  // The environment is read at the call, not captured at creation.
  closure_env = -50;
  args[0] = val_i32(1000);
  args[1] = val_i32(-1);
  CALL_OK(run, args, 2, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 949);
  CHECK_EQ_INT(echo_calls, 2);
  CHECK_EQ_INT(closure_calls, 2);

  // bounce(9) = square(9) + 1, with square called by the host from inside a
  // host call made by wasm.
  args[0] = val_i32(9);
  CALL_OK(bounce, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 82);
  args[0] = val_i32(-12);
  CALL_OK(bounce, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 145);

  // Every numeric type passes into the host unchanged (mix_callback checks).
  args[0] = val_i32(-3);
  args[1] = val_i64(INT64_C(0x100000005));
  args[2] = val_f32(0.25f);
  args[3] = val_f64(-1.5);
  CALL_OK(mix_export, args, 4, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_F64);
  CHECK_EQ_F64(results[0].of.f64, -3.0 + 4294967301.0 + 0.25 - 1.5);
  CHECK_EQ_INT(mix_calls, 1);

  // A callback with no arguments and no results, between wasm operations.
  args[0] = val_i32(40);
  CALL_OK(around, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 42);
  CHECK_EQ_INT(nothing_calls, 1);

  // Host functions called directly from the host.
  args[0] = val_i32(77);
  CALL_OK(echo, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 77);
  CHECK_EQ_INT(echo_calls, 3);
  closure_env = 5;
  CALL_OK(closure, NULL, 0, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 5);
  CHECK_EQ_INT(closure_calls, 3);
  args[0] = val_i32(6);
  CALL_OK(reenter, args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 36);
  CALL_OK(nothing, NULL, 0, NULL, 0);
  CHECK_EQ_INT(nothing_calls, 2);

  // Many calls in a row.
  for (int32_t i = 0; i < 1000; ++i) {
    args[0] = val_i32(i);
    args[1] = val_i32(i);
    CALL_OK(run, args, 2, results, 1);
    CHECK_EQ_INT(results[0].of.i32, 2 * i + 5);
  }
  CHECK_EQ_INT(echo_calls, 1003);
  CHECK_EQ_INT(closure_calls, 1003);

  // The environment's finalizer runs once, by the time the store is gone.
  CHECK_EQ_INT(env_finalized, 0);
  square_export = NULL;
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(echo);
  wasm_func_delete(closure);
  wasm_func_delete(reenter);
  wasm_func_delete(mix);
  wasm_func_delete(nothing);
  wasm_module_delete(module);
  wasm_store_delete(store);
  CHECK_EQ_INT(env_finalized, 1);
  wasm_engine_delete(engine);
  CHECK_EQ_INT(env_finalized, 1);
  return pass("callback");
}
