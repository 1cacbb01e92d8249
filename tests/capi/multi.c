// multi: multi-value functions — a host callback with 4 parameters and 4
// results of mixed types, called from wasm (results passed back to the host
// unchanged, or consumed by wasm) and directly; pure wasm functions with
// several results; and the function types reflecting them.

#include "check.h"

static int callback_calls = 0;

// The callback's results for (i, l, f, d): (d * 2, f + 1, l + 1, i ^ 0x55).
static void expected_results(int32_t i, int64_t l, float f, double d, wasm_val_t out[4]) {
  out[0] = val_f64(d * 2.0);
  out[1] = val_f32(f + 1.0f);
  out[2] = val_i64((int64_t)((uint64_t)l + 1u));
  out[3] = val_i32(i ^ 0x55);
}

static wasm_trap_t* callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 4);
  CHECK_EQ_UINT(results->size, 4);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  CHECK_EQ_INT(args->data[1].kind, WASM_I64);
  CHECK_EQ_INT(args->data[2].kind, WASM_F32);
  CHECK_EQ_INT(args->data[3].kind, WASM_F64);
  ++callback_calls;
  expected_results(args->data[0].of.i32, args->data[1].of.i64, args->data[2].of.f32,
                   args->data[3].of.f64, results->data);
  return NULL;
}

static void check_kinds(const wasm_valtype_vec_t* types, const wasm_valkind_t* kinds, size_t n) {
  CHECK_EQ_UINT(types->size, n);
  for (size_t i = 0; i < n; ++i) CHECK_EQ_INT(wasm_valtype_kind(types->data[i]), kinds[i]);
}

static const wasm_valkind_t params_kinds[4] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};
static const wasm_valkind_t results_kinds[4] = {WASM_F64, WASM_F32, WASM_I64, WASM_I32};

static void check_type(const wasm_func_t* func) {
  wasm_functype_t* type = wasm_func_type(func);
  CHECK(type != NULL);
  check_kinds(wasm_functype_params(type), params_kinds, 4);
  check_kinds(wasm_functype_results(type), results_kinds, 4);
  wasm_functype_delete(type);
  CHECK_EQ_UINT(wasm_func_param_arity(func), 4);
  CHECK_EQ_UINT(wasm_func_result_arity(func), 4);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  // The callback's type: (i32 i64 f32 f64) -> (f64 f32 i64 i32).
  wasm_valtype_t* params_data[4];
  wasm_valtype_t* results_data[4];
  for (int i = 0; i < 4; ++i) {
    params_data[i] = wasm_valtype_new(params_kinds[i]);
    results_data[i] = wasm_valtype_new(results_kinds[i]);
  }
  wasm_valtype_vec_t params, results_types;
  wasm_valtype_vec_new(&params, 4, params_data);
  wasm_valtype_vec_new(&results_types, 4, results_data);
  wasm_functype_t* callback_type = wasm_functype_new(&params, &results_types);
  CHECK(callback_type != NULL);
  wasm_func_t* callback_func = wasm_func_new(store, callback_type, callback);
  CHECK(callback_func != NULL);
  wasm_functype_delete(callback_type);
  check_type(callback_func);

  wasm_extern_t* externs[] = {wasm_func_as_extern(callback_func)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* run = EXPORT_FUNC(module, &exports, "run");
  wasm_func_t* swap = EXPORT_FUNC(module, &exports, "swap");
  wasm_func_t* fold = EXPORT_FUNC(module, &exports, "fold");
  wasm_func_t* pair_sum = EXPORT_FUNC(module, &exports, "pair_sum");
  wasm_func_t* block_swap = EXPORT_FUNC(module, &exports, "block_swap");
  check_type(run);
  check_type(swap);

  // Inputs that tell every lane apart, including the high half of the i64.
  const int32_t in_i = 0x12345678;
  const int64_t in_l = INT64_C(-0x0123456789abcdef);
  const float in_f = -2.75f;
  const double in_d = 1234.0625;
  wasm_val_t args[4] = {val_i32(in_i), val_i64(in_l), val_f32(in_f), val_f64(in_d)};
  wasm_val_t expected[4];
  expected_results(in_i, in_l, in_f, in_d, expected);

  // wasm -> host -> wasm -> host: the four results come back in order.
  wasm_val_t results[4];
  for (int i = 0; i < 4; ++i) results[i] = val_i32(0);
  CALL_OK(run, args, 4, results, 4);
  for (int i = 0; i < 4; ++i) CHECK_VAL(&results[i], &expected[i]);
  CHECK_EQ_INT(callback_calls, 1);

  // The callback called directly by the host.
  for (int i = 0; i < 4; ++i) results[i] = val_i32(0);
  CALL_OK(callback_func, args, 4, results, 4);
  for (int i = 0; i < 4; ++i) CHECK_VAL(&results[i], &expected[i]);
  CHECK_EQ_INT(callback_calls, 2);

  // Pure wasm: the arguments reversed.
  for (int i = 0; i < 4; ++i) results[i] = val_i32(0);
  CALL_OK(swap, args, 4, results, 4);
  for (int i = 0; i < 4; ++i) CHECK_VAL(&results[i], &args[3 - i]);
  CHECK_EQ_INT(callback_calls, 2);

  // The callback's results used by wasm.
  wasm_val_t folded = WASM_INIT_VAL;
  CALL_OK(fold, args, 4, &folded, 1);
  CHECK_EQ_INT(folded.kind, WASM_F64);
  CHECK_EQ_F64(folded.of.f64, (expected[0].of.f64 + (double)expected[1].of.f32) +
                                  ((double)expected[2].of.i64 + (double)expected[3].of.i32));
  CHECK_EQ_INT(callback_calls, 3);

  // Special values pass through every lane: NaN payloads, -0, extremes.
  {
    uint32_t nan32_bits = 0x7fc01234u;
    uint64_t nan64_bits = UINT64_C(0x7ff8000000abcdef);
    float nan32;
    double nan64;
    memcpy(&nan32, &nan32_bits, sizeof nan32);
    memcpy(&nan64, &nan64_bits, sizeof nan64);
    wasm_val_t special[4] = {val_i32(INT32_MIN), val_i64(INT64_MAX), val_f32(nan32), val_f64(-0.0)};
    for (int i = 0; i < 4; ++i) results[i] = val_i32(0);
    CALL_OK(swap, special, 4, results, 4);
    for (int i = 0; i < 4; ++i) CHECK_VAL(&results[i], &special[3 - i]);
    special[3] = val_f64(nan64);
    for (int i = 0; i < 4; ++i) results[i] = val_i32(0);
    CALL_OK(swap, special, 4, results, 4);
    for (int i = 0; i < 4; ++i) CHECK_VAL(&results[i], &special[3 - i]);
  }

  // Multi-value inside wasm: a call and a block with two results each.
  wasm_val_t arg = val_i32(-11);
  wasm_val_t sum = WASM_INIT_VAL;
  CALL_OK(pair_sum, &arg, 1, &sum, 1);
  CHECK_EQ_INT(sum.kind, WASM_I64);
  CHECK_EQ_INT(sum.of.i64, -44);
  wasm_val_t two[2] = {val_i32(1), val_i32(2)};
  wasm_val_t swapped[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
  CALL_OK(block_swap, two, 2, swapped, 2);
  CHECK_EQ_INT(swapped[0].kind, WASM_I32);
  CHECK_EQ_INT(swapped[0].of.i32, 2);
  CHECK_EQ_INT(swapped[1].kind, WASM_I32);
  CHECK_EQ_INT(swapped[1].of.i32, 1);

  // Many round trips with varying inputs.
  for (int32_t k = 0; k < 500; ++k) {
    wasm_val_t in[4] = {val_i32(k * 7919), val_i64((int64_t)k << 33), val_f32((float)k * 0.5f),
                        val_f64((double)k / 8.0)};
    expected_results(in[0].of.i32, in[1].of.i64, in[2].of.f32, in[3].of.f64, expected);
    for (int i = 0; i < 4; ++i) results[i] = val_i32(0);
    CALL_OK(run, in, 4, results, 4);
    for (int i = 0; i < 4; ++i) CHECK_VAL(&results[i], &expected[i]);
  }
  CHECK_EQ_INT(callback_calls, 503);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(callback_func);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("multi");
}
