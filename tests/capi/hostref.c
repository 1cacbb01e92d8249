// hostref: foreign objects as externref — through parameters and results, a
// host callback (both directions), a mutable global and a table (set and read
// by the guest and by the host, table growth with a reference), and several
// references at once. A reference that comes back is wasm_ref_same as the one
// that went in and carries its host info; null stays null; a reference held
// by the guest keeps its object alive after the host's handle is deleted.

#include "check.h"

static int info1, info2, info3, info4;
static int callback_calls = 0;
static void* callback_seen_info = NULL;
static wasm_ref_t* callback_null_answer = NULL;

// host.callback(r): records r's host info; returns r, or for null the
// reference in callback_null_answer.
static wasm_trap_t* callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_UINT(results->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_EXTERNREF);
  ++callback_calls;
  wasm_ref_t* ref = args->data[0].of.ref;
  callback_seen_info = ref ? wasm_ref_get_host_info(ref) : NULL;
  results->data[0].kind = WASM_EXTERNREF;
  if (ref) {
    results->data[0].of.ref = wasm_ref_copy(ref);
  } else {
    results->data[0].of.ref = callback_null_answer ? wasm_ref_copy(callback_null_answer) : NULL;
  }
  return NULL;
}

// Checks a reference (owned, deleted here) against the expected one.
static void check_ref_(const char* file, int line, wasm_ref_t* actual, const wasm_ref_t* expected,
                       void* expected_info) {
  if (!expected) {
    if (actual) {
      fprintf(stderr, "%s:%d: check failed: the reference is null (got one with host info %p)\n", file,
              line, wasm_ref_get_host_info(actual));
      exit(1);
    }
    return;
  }
  if (!actual) {
    fprintf(stderr, "%s:%d: check failed: the reference is not null\n", file, line);
    exit(1);
  }
  if (!wasm_ref_same(actual, expected)) {
    fprintf(stderr, "%s:%d: check failed: wasm_ref_same(actual, expected) (host info %p vs %p)\n", file,
            line, wasm_ref_get_host_info(actual), expected_info);
    exit(1);
  }
  if (wasm_ref_get_host_info(actual) != expected_info) {
    fprintf(stderr, "%s:%d: check failed: host info of the reference is %p (got %p)\n", file, line,
            expected_info, wasm_ref_get_host_info(actual));
    exit(1);
  }
  wasm_ref_delete(actual);
}
#define CHECK_REF(actual, expected, info) check_ref_(__FILE__, __LINE__, (actual), (expected), (info))

static wasm_ref_t* call_v_r(const wasm_func_t* func) {
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, NULL, 0, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_EXTERNREF);
  return results[0].of.ref;
}

static wasm_ref_t* call_r_r(const wasm_func_t* func, wasm_ref_t* ref) {
  wasm_val_t args[1] = {val_ref(ref)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_EXTERNREF);
  return results[0].of.ref;
}

static int32_t call_r_i(const wasm_func_t* func, wasm_ref_t* ref) {
  wasm_val_t args[1] = {val_ref(ref)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  return results[0].of.i32;
}

static void call_r_v(const wasm_func_t* func, wasm_ref_t* ref) {
  wasm_val_t args[1] = {val_ref(ref)};
  CALL_OK(func, args, 1, NULL, 0);
}

static void call_ir_v(const wasm_func_t* func, int32_t i, wasm_ref_t* ref) {
  wasm_val_t args[2] = {val_i32(i), val_ref(ref)};
  CALL_OK(func, args, 2, NULL, 0);
}

static wasm_ref_t* call_i_r(const wasm_func_t* func, int32_t i) {
  wasm_val_t args[1] = {val_i32(i)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_EXTERNREF);
  return results[0].of.ref;
}

static int32_t call_ri_i(const wasm_func_t* func, wasm_ref_t* ref, int32_t i) {
  wasm_val_t args[2] = {val_ref(ref), val_i32(i)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 2, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  return results[0].of.i32;
}

static wasm_ref_t* global_get_ref(const wasm_global_t* global) {
  wasm_val_t v;
  wasm_global_get(global, &v);
  CHECK_EQ_INT(v.kind, WASM_EXTERNREF);
  return v.of.ref;
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  wasm_functype_t* r_r = wasm_functype_new_1_1(wasm_valtype_new_externref(), wasm_valtype_new_externref());
  wasm_func_t* callback_func = wasm_func_new(store, r_r, callback);
  CHECK(callback_func != NULL);
  wasm_functype_delete(r_r);
  wasm_extern_t* externs[] = {wasm_func_as_extern(callback_func)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_global_t* global = EXPORT_GLOBAL(module, &exports, "global");
  wasm_table_t* table = EXPORT_TABLE(module, &exports, "table");
  wasm_func_t* global_set = EXPORT_FUNC(module, &exports, "global.set");
  wasm_func_t* global_get = EXPORT_FUNC(module, &exports, "global.get");
  wasm_func_t* table_set = EXPORT_FUNC(module, &exports, "table.set");
  wasm_func_t* table_get = EXPORT_FUNC(module, &exports, "table.get");
  wasm_func_t* table_grow = EXPORT_FUNC(module, &exports, "table.grow");
  wasm_func_t* func_call = EXPORT_FUNC(module, &exports, "func.call");
  wasm_func_t* identity = EXPORT_FUNC(module, &exports, "identity");
  wasm_func_t* is_null = EXPORT_FUNC(module, &exports, "is_null");
  wasm_func_t* swap = EXPORT_FUNC(module, &exports, "swap");

  // Types of the reference-holding exports.
  {
    wasm_globaltype_t* gt = wasm_global_type(global);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(gt)), WASM_EXTERNREF);
    CHECK_EQ_INT(wasm_globaltype_mutability(gt), WASM_VAR);
    wasm_globaltype_delete(gt);
    wasm_tabletype_t* tt = wasm_table_type(table);
    CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(tt)), WASM_EXTERNREF);
    CHECK_EQ_UINT(wasm_tabletype_limits(tt)->min, 10);
    wasm_tabletype_delete(tt);
  }

  // Host references: foreign objects with host info.
  wasm_foreign_t* foreign1 = wasm_foreign_new(store);
  wasm_foreign_t* foreign2 = wasm_foreign_new(store);
  CHECK(foreign1 != NULL && foreign2 != NULL);
  wasm_foreign_set_host_info(foreign1, &info1);
  wasm_foreign_set_host_info(foreign2, &info2);
  wasm_ref_t* host1 = wasm_foreign_as_ref(foreign1);
  wasm_ref_t* host2 = wasm_foreign_as_ref(foreign2);
  CHECK(host1 != NULL && host2 != NULL);
  CHECK(wasm_ref_get_host_info(host1) == &info1);

  // Sanity on the host side: copies are the same, the two are different.
  CHECK(wasm_ref_same(host1, host1));
  CHECK(!wasm_ref_same(host1, host2));
  CHECK_REF(wasm_ref_copy(host1), host1, &info1);
  CHECK_REF(wasm_ref_copy(host2), host2, &info2);
  {
    wasm_val_t v = val_ref(wasm_ref_copy(host1));
    wasm_val_t copy;
    wasm_val_copy(&copy, &v);
    CHECK_EQ_INT(copy.kind, WASM_EXTERNREF);
    CHECK(wasm_ref_same(copy.of.ref, host1));
    wasm_val_delete(&copy);
    wasm_val_delete(&v);
    CHECK(wasm_ref_get_host_info(host1) == &info1);
  }

  // Parameters and results: a reference comes back as itself.
  CHECK_REF(call_r_r(identity, host1), host1, &info1);
  CHECK_REF(call_r_r(identity, host2), host2, &info2);
  CHECK_REF(call_r_r(identity, NULL), NULL, NULL);
  CHECK_EQ_INT(call_r_i(is_null, host1), 0);
  CHECK_EQ_INT(call_r_i(is_null, NULL), 1);
  {
    wasm_ref_t* back = call_r_r(identity, host1);
    CHECK(back != NULL);
    wasm_foreign_t* as_foreign = wasm_ref_as_foreign(back);
    CHECK(as_foreign != NULL);
    CHECK(wasm_foreign_get_host_info(as_foreign) == &info1);
    CHECK(wasm_foreign_same(as_foreign, foreign1));
    wasm_ref_delete(back);
  }

  // Two references at once, swapped.
  {
    wasm_val_t args[2] = {val_ref(host1), val_ref(host2)};
    wasm_val_t results[2] = {WASM_INIT_VAL, WASM_INIT_VAL};
    CALL_OK(swap, args, 2, results, 2);
    CHECK_EQ_INT(results[0].kind, WASM_EXTERNREF);
    CHECK_EQ_INT(results[1].kind, WASM_EXTERNREF);
    CHECK_REF(results[0].of.ref, host2, &info2);
    CHECK_REF(results[1].of.ref, host1, &info1);
    args[1] = val_ref(NULL);
    CALL_OK(swap, args, 2, results, 2);
    CHECK_REF(results[0].of.ref, NULL, NULL);
    CHECK_REF(results[1].of.ref, host1, &info1);
  }

  // Through the host callback: in as a parameter, out as a result.
  CHECK_REF(call_r_r(func_call, host1), host1, &info1);
  CHECK_EQ_INT(callback_calls, 1);
  CHECK(callback_seen_info == &info1);
  CHECK_REF(call_r_r(func_call, host2), host2, &info2);
  CHECK(callback_seen_info == &info2);
  CHECK_REF(call_r_r(func_call, NULL), NULL, NULL);
  CHECK(callback_seen_info == NULL);
  // A reference that enters wasm as the callback's result.
  callback_null_answer = host2;
  CHECK_REF(call_r_r(func_call, NULL), host2, &info2);
  callback_null_answer = NULL;
  CHECK_EQ_INT(callback_calls, 4);

  // The global, through the guest.
  CHECK_REF(call_v_r(global_get), NULL, NULL);
  call_r_v(global_set, host1);
  CHECK_REF(call_v_r(global_get), host1, &info1);
  CHECK_REF(global_get_ref(global), host1, &info1);
  call_r_v(global_set, host2);
  CHECK_REF(call_v_r(global_get), host2, &info2);
  call_r_v(global_set, NULL);
  CHECK_REF(call_v_r(global_get), NULL, NULL);
  CHECK_REF(global_get_ref(global), NULL, NULL);

  // The global, through the host.
  {
    wasm_val_t v = val_ref(host2);
    wasm_global_set(global, &v);
    CHECK_REF(call_v_r(global_get), host2, &info2);
    CHECK_REF(global_get_ref(global), host2, &info2);
    v = val_ref(NULL);
    wasm_global_set(global, &v);
    CHECK_REF(call_v_r(global_get), NULL, NULL);
    v = val_ref(host1);
    wasm_global_set(global, &v);
  }

  // The table, through the guest.
  CHECK_REF(call_i_r(table_get, 0), NULL, NULL);
  CHECK_REF(call_i_r(table_get, 1), NULL, NULL);
  call_ir_v(table_set, 0, host1);
  call_ir_v(table_set, 1, host2);
  CHECK_REF(call_i_r(table_get, 0), host1, &info1);
  CHECK_REF(call_i_r(table_get, 1), host2, &info2);
  call_ir_v(table_set, 0, NULL);
  CHECK_REF(call_i_r(table_get, 0), NULL, NULL);
  {
    wasm_val_t args[1] = {val_i32(10)};
    CHECK_TRAPS(table_get, args, 1, 1);
  }

  // The table, through the host, both ways.
  CHECK_REF(wasm_table_get(table, 1), host2, &info2);
  CHECK_REF(wasm_table_get(table, 2), NULL, NULL);
  CHECK(wasm_table_set(table, 2, host1));
  CHECK_REF(call_i_r(table_get, 2), host1, &info1);
  CHECK_REF(wasm_table_get(table, 2), host1, &info1);
  CHECK(wasm_table_set(table, 2, NULL));
  CHECK_REF(call_i_r(table_get, 2), NULL, NULL);
  CHECK(!wasm_table_set(table, 10, host1));

  // Table growth with a reference: by the host, then by the guest.
  CHECK(wasm_table_grow(table, 2, host2));
  CHECK_EQ_UINT(wasm_table_size(table), 12);
  CHECK_REF(call_i_r(table_get, 10), host2, &info2);
  CHECK_REF(wasm_table_get(table, 11), host2, &info2);
  CHECK_EQ_INT(call_ri_i(table_grow, host1, 3), 12);
  CHECK_EQ_UINT(wasm_table_size(table), 15);
  CHECK_REF(wasm_table_get(table, 14), host1, &info1);
  CHECK_REF(call_i_r(table_get, 12), host1, &info1);

  // A table made by the host, filled with a reference.
  {
    wasm_limits_t limits = {4, 8};
    wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_externref(), &limits);
    wasm_table_t* host_table = wasm_table_new(store, tt, host1);
    wasm_tabletype_delete(tt);
    CHECK(host_table != NULL);
    CHECK_EQ_UINT(wasm_table_size(host_table), 4);
    for (uint32_t i = 0; i < 4; ++i) CHECK_REF(wasm_table_get(host_table, i), host1, &info1);
    CHECK(wasm_table_set(host_table, 3, host2));
    CHECK_REF(wasm_table_get(host_table, 3), host2, &info2);
    wasm_table_delete(host_table);
  }

  // References held by the guest keep their objects alive after the host
  // deletes its own handles.
  {
    wasm_foreign_t* foreign3 = wasm_foreign_new(store);
    wasm_foreign_t* foreign4 = wasm_foreign_new(store);
    CHECK(foreign3 != NULL && foreign4 != NULL);
    wasm_foreign_set_host_info(foreign3, &info3);
    wasm_foreign_set_host_info(foreign4, &info4);
    call_ir_v(table_set, 5, wasm_foreign_as_ref(foreign3));
    call_r_v(global_set, wasm_foreign_as_ref(foreign4));
    wasm_foreign_delete(foreign3);
    wasm_foreign_delete(foreign4);
    for (int i = 0; i < 3; ++i) {
      wasm_ref_t* r3 = call_i_r(table_get, 5);
      CHECK(r3 != NULL);
      CHECK(wasm_ref_get_host_info(r3) == &info3);
      CHECK(!wasm_ref_same(r3, host1));
      wasm_ref_t* r4 = global_get_ref(global);
      CHECK(r4 != NULL);
      CHECK(wasm_ref_get_host_info(r4) == &info4);
      // The returned reference works as a parameter again.
      CHECK_REF(call_r_r(identity, r4), r4, &info4);
      CHECK_REF(call_r_r(func_call, r3), r3, &info3);
      CHECK(callback_seen_info == &info3);
      wasm_ref_delete(r3);
      wasm_ref_delete(r4);
    }
  }

  // The host's own references are unchanged by all of it.
  CHECK(wasm_ref_get_host_info(host1) == &info1);
  CHECK(wasm_ref_get_host_info(host2) == &info2);

  // Many round trips.
  for (int i = 0; i < 1000; ++i) {
    wasm_ref_t* ref = (i % 3 == 0) ? NULL : (i % 3 == 1) ? host1 : host2;
    void* info = (i % 3 == 0) ? NULL : (i % 3 == 1) ? (void*)&info1 : (void*)&info2;
    CHECK_REF(call_r_r(func_call, ref), ref, info);
    call_ir_v(table_set, i % 10, ref);
    CHECK_REF(wasm_table_get(table, (uint32_t)(i % 10)), ref, info);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_foreign_delete(foreign1);
  wasm_foreign_delete(foreign2);
  wasm_func_delete(callback_func);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("hostref");
}
