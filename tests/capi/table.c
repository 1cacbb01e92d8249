// table: a funcref table exported by a module and one made by the host —
// type and limits, get/set from the host (guest functions, host functions,
// null), calls of functions obtained from the table, call_indirect through
// entries the host set, growth (with and without an initial value) up to
// the maximum and not past it, and out-of-bounds accesses.

#include "check.h"

static int triple_calls = 0;

// host.triple(x) = 3x, put into the table by the host.
static wasm_trap_t* triple_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  ++triple_calls;
  results->data[0] = val_i32(args->data[0].of.i32 * 3);
  return NULL;
}

static int32_t call_i_i(const wasm_func_t* func, int32_t x) {
  wasm_val_t args[1] = {WASM_I32_VAL(x)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  return results[0].of.i32;
}

static int32_t call_v_i(const wasm_func_t* func) {
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, NULL, 0, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  return results[0].of.i32;
}

static int32_t call_indirect(const wasm_func_t* func, int32_t x, int32_t index) {
  wasm_val_t args[2] = {WASM_I32_VAL(x), WASM_I32_VAL(index)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 2, results, 1);
  return results[0].of.i32;
}

static void call_indirect_traps(const wasm_func_t* func, int32_t x, int32_t index) {
  wasm_val_t args[2] = {WASM_I32_VAL(x), WASM_I32_VAL(index)};
  CHECK_TRAPS(func, args, 2, 1);
}

// Gets entry `index`, calls it as an (i32) -> i32 function with `x`.
static int32_t call_entry(const wasm_table_t* table, uint32_t index, int32_t x) {
  wasm_ref_t* ref = wasm_table_get(table, index);
  CHECK_MSG(ref != NULL, "table entry %u is not null", index);
  wasm_func_t* func = wasm_ref_as_func(ref);
  CHECK(func != NULL);
  CHECK_EQ_UINT(wasm_func_param_arity(func), 1);
  CHECK_EQ_UINT(wasm_func_result_arity(func), 1);
  int32_t result = call_i_i(func, x);
  wasm_ref_delete(ref);
  return result;
}

static void check_null_entry(const wasm_table_t* table, uint32_t index) {
  wasm_ref_t* ref = wasm_table_get(table, index);
  CHECK_MSG(ref == NULL, "table entry %u is null", index);
}

static void check_limits(const wasm_table_t* table, uint32_t min, uint32_t max) {
  wasm_tabletype_t* type = wasm_table_type(table);
  CHECK(type != NULL);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(type)), WASM_FUNCREF);
  CHECK_EQ_UINT(wasm_tabletype_limits(type)->min, min);
  CHECK_EQ_UINT(wasm_tabletype_limits(type)->max, max);
  wasm_tabletype_delete(type);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_table_t* table = EXPORT_TABLE(module, &exports, "table");
  wasm_func_t* plus1 = EXPORT_FUNC(module, &exports, "plus1");
  wasm_func_t* times2 = EXPORT_FUNC(module, &exports, "times2");
  wasm_func_t* seven = EXPORT_FUNC(module, &exports, "seven");
  wasm_func_t* indirect = EXPORT_FUNC(module, &exports, "call_indirect");
  wasm_func_t* size = EXPORT_FUNC(module, &exports, "size");
  wasm_func_t* grow = EXPORT_FUNC(module, &exports, "grow");
  wasm_func_t* is_null = EXPORT_FUNC(module, &exports, "is_null");
  wasm_func_t* set_times2 = EXPORT_FUNC(module, &exports, "set_times2");

  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* triple = wasm_func_new(store, i_i, triple_callback);
  CHECK(triple != NULL);
  wasm_functype_delete(i_i);

  // Type, limits and initial contents.
  check_limits(table, 2, 10);
  CHECK_EQ_UINT(wasm_table_size(table), 2);
  CHECK_EQ_INT(call_v_i(size), 2);
  check_null_entry(table, 0);
  CHECK_EQ_INT(call_i_i(is_null, 0), 1);
  CHECK_EQ_INT(call_i_i(is_null, 1), 0);

  // Entry 1 (from the element segment) is plus1: called from the host, it is
  // the very function exported as "plus1".
  CHECK_EQ_INT(call_entry(table, 1, 41), 42);
  {
    wasm_ref_t* ref = wasm_table_get(table, 1);
    CHECK(ref != NULL);
    CHECK(wasm_ref_same(ref, wasm_func_as_ref(plus1)));
    CHECK(!wasm_ref_same(ref, wasm_func_as_ref(times2)));
    wasm_ref_delete(ref);
  }

  // call_indirect: through entry 1, a null entry traps, an index past the
  // end traps.
  CHECK_EQ_INT(call_indirect(indirect, 5, 1), 6);
  call_indirect_traps(indirect, 5, 0);
  call_indirect_traps(indirect, 5, 2);
  call_indirect_traps(indirect, 5, -1);

  // Host sets entry 0 to a guest function: the guest calls it.
  CHECK(wasm_table_set(table, 0, wasm_func_as_ref(times2)));
  CHECK_EQ_INT(call_i_i(is_null, 0), 0);
  CHECK_EQ_INT(call_indirect(indirect, 5, 0), 10);
  CHECK_EQ_INT(call_entry(table, 0, 21), 42);

  // Host sets entry 0 to a host function: the guest calls the host through
  // the table, and the host calls it after getting it from the table.
  CHECK(wasm_table_set(table, 0, wasm_func_as_ref(triple)));
  CHECK_EQ_INT(call_indirect(indirect, 5, 0), 15);
  CHECK_EQ_INT(triple_calls, 1);
  CHECK_EQ_INT(call_entry(table, 0, -4), -12);
  CHECK_EQ_INT(triple_calls, 2);

  // An entry of another signature: call_indirect checks it and traps; the
  // host can still call it as what it is.
  CHECK(wasm_table_set(table, 0, wasm_func_as_ref(seven)));
  call_indirect_traps(indirect, 5, 0);
  {
    wasm_ref_t* ref = wasm_table_get(table, 0);
    CHECK(ref != NULL);
    CHECK_EQ_INT(call_v_i(wasm_ref_as_func(ref)), 7);
    wasm_ref_delete(ref);
  }

  // Host sets entry 0 to null.
  CHECK(wasm_table_set(table, 0, NULL));
  check_null_entry(table, 0);
  CHECK_EQ_INT(call_i_i(is_null, 0), 1);
  call_indirect_traps(indirect, 5, 0);

  // The guest sets entry 0; the host sees it.
  wasm_val_t arg = val_i32(0);
  CALL_OK(set_times2, &arg, 1, NULL, 0);
  CHECK_EQ_INT(call_entry(table, 0, 8), 16);

  // Out of bounds from the host: set fails and changes nothing, get is null.
  CHECK(!wasm_table_set(table, 2, wasm_func_as_ref(plus1)));
  CHECK(!wasm_table_set(table, 100, NULL));
  check_null_entry(table, 2);
  check_null_entry(table, 0xffffffffu);
  CHECK_EQ_UINT(wasm_table_size(table), 2);

  // Growth by the host: new entries are null, or the value given.
  CHECK(wasm_table_grow(table, 3, NULL));
  CHECK_EQ_UINT(wasm_table_size(table), 5);
  CHECK_EQ_INT(call_v_i(size), 5);
  for (uint32_t i = 2; i < 5; ++i) check_null_entry(table, i);
  CHECK_EQ_INT(call_entry(table, 1, 1), 2);
  CHECK(wasm_table_grow(table, 2, wasm_func_as_ref(times2)));
  CHECK_EQ_UINT(wasm_table_size(table), 7);
  CHECK_EQ_INT(call_entry(table, 5, 3), 6);
  CHECK_EQ_INT(call_entry(table, 6, 4), 8);
  CHECK_EQ_INT(call_indirect(indirect, 3, 6), 6);
  CHECK(wasm_table_grow(table, 0, NULL));
  CHECK_EQ_UINT(wasm_table_size(table), 7);
  // The new entries can be set.
  CHECK(wasm_table_set(table, 4, wasm_func_as_ref(triple)));
  CHECK_EQ_INT(call_indirect(indirect, 3, 4), 9);

  // Growth by the guest: returns the old size; the host sees the new one.
  CHECK_EQ_INT(call_i_i(grow, 1), 7);
  CHECK_EQ_UINT(wasm_table_size(table), 8);
  check_null_entry(table, 7);

  // Past the maximum (10): growth fails and the size stays.
  CHECK(!wasm_table_grow(table, 3, NULL));
  CHECK_EQ_UINT(wasm_table_size(table), 8);
  CHECK_EQ_INT(call_i_i(grow, 5), -1);
  CHECK_EQ_UINT(wasm_table_size(table), 8);
  CHECK(!wasm_table_grow(table, 0xffffffffu, NULL));
  CHECK_EQ_UINT(wasm_table_size(table), 8);
  // Exactly to the maximum, then not one more.
  CHECK(wasm_table_grow(table, 2, wasm_func_as_ref(plus1)));
  CHECK_EQ_UINT(wasm_table_size(table), 10);
  CHECK_EQ_INT(call_v_i(size), 10);
  CHECK(!wasm_table_grow(table, 1, NULL));
  CHECK_EQ_INT(call_i_i(grow, 1), -1);
  CHECK(wasm_table_grow(table, 0, NULL));
  CHECK_EQ_UINT(wasm_table_size(table), 10);
  CHECK_EQ_INT(call_indirect(indirect, 10, 9), 11);
  arg = val_i32(9);
  CALL_OK(set_times2, &arg, 1, NULL, 0);
  CHECK_EQ_INT(call_entry(table, 9, 10), 20);
  CHECK(!wasm_table_set(table, 10, NULL));
  call_indirect_traps(indirect, 1, 10);
  // The type's minimum is the current size, as the spec's table type after
  // growth (and V8's implementation of this API) has it; the maximum stays.
  check_limits(table, 10, 10);

  // A table made by the host, every entry initialised to plus1.
  {
    wasm_limits_t limits = {3, 4};
    wasm_tabletype_t* type = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
    CHECK(type != NULL);
    wasm_table_t* host_table = wasm_table_new(store, type, wasm_func_as_ref(plus1));
    CHECK(host_table != NULL);
    wasm_tabletype_delete(type);
    check_limits(host_table, 3, 4);
    CHECK_EQ_UINT(wasm_table_size(host_table), 3);
    for (uint32_t i = 0; i < 3; ++i) CHECK_EQ_INT(call_entry(host_table, i, (int32_t)i), (int32_t)i + 1);
    CHECK(wasm_table_set(host_table, 1, wasm_func_as_ref(triple)));
    CHECK_EQ_INT(call_entry(host_table, 1, 7), 21);
    CHECK(wasm_table_grow(host_table, 1, NULL));
    check_null_entry(host_table, 3);
    check_limits(host_table, 4, 4);
    CHECK(!wasm_table_grow(host_table, 1, NULL));
    CHECK_EQ_UINT(wasm_table_size(host_table), 4);
    wasm_table_delete(host_table);
  }

  // A host table without a maximum, initially null.
  {
    wasm_limits_t limits = {1, wasm_limits_max_default};
    wasm_tabletype_t* type = wasm_tabletype_new(wasm_valtype_new_funcref(), &limits);
    wasm_table_t* host_table = wasm_table_new(store, type, NULL);
    CHECK(host_table != NULL);
    wasm_tabletype_delete(type);
    check_limits(host_table, 1, wasm_limits_max_default);
    check_null_entry(host_table, 0);
    CHECK(wasm_table_grow(host_table, 100, wasm_func_as_ref(times2)));
    CHECK_EQ_UINT(wasm_table_size(host_table), 101);
    CHECK_EQ_INT(call_entry(host_table, 100, 50), 100);
    check_null_entry(host_table, 0);
    wasm_table_delete(host_table);
  }

  wasm_func_delete(triple);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("table");
}
