// reflect: the names, kinds and types of every import and export of a module
// with all four kinds (function signatures, global content and mutability,
// table element and limits, memory limits), the types of the externs of an
// instance, and the type constructors, copies and conversions.

#include "check.h"

// A table or memory without a maximum reports wasm_limits_max_default.
#define NO_MAX 0xffffffffu

// What an extern type should be.
typedef struct expected_type {
  wasm_externkind_t kind;
  size_t nparams, nresults;  // func
  wasm_valkind_t params[4], results[4];
  wasm_valkind_t content;  // global content, table element
  wasm_mutability_t mut;   // global
  uint32_t min, max;       // table, memory
} expected_type;

typedef struct expected_entry {
  const char* module;  // imports only
  const char* name;
  expected_type type;
} expected_entry;

#define FUNC_T(np, nr, ...) {.kind = WASM_EXTERN_FUNC, .nparams = np, .nresults = nr, __VA_ARGS__}
#define GLOBAL_T(c, m) {.kind = WASM_EXTERN_GLOBAL, .content = c, .mut = m}
#define TABLE_T(e, lo, hi) {.kind = WASM_EXTERN_TABLE, .content = e, .min = lo, .max = hi}
#define MEMORY_T(lo, hi) {.kind = WASM_EXTERN_MEMORY, .min = lo, .max = hi}

static const expected_entry expected_imports[] = {
  {"env", "func", FUNC_T(2, 1, .params = {WASM_I32, WASM_F64}, .results = {WASM_I64})},
  {"env", "global", GLOBAL_T(WASM_F32, WASM_VAR)},
  {"env", "table", TABLE_T(WASM_FUNCREF, 1, 5)},
  {"other", "memory", MEMORY_T(1, 2)},
};

static const expected_entry expected_exports[] = {
  {NULL, "func", FUNC_T(4, 1, .params = {WASM_I32, WASM_I64, WASM_F32, WASM_F64}, .results = {WASM_I32})},
  {NULL, "void", FUNC_T(0, 0, .params = {0})},
  {NULL, "multi", FUNC_T(2, 3, .params = {WASM_EXTERNREF, WASM_FUNCREF}, .results = {WASM_I64, WASM_F64, WASM_F32})},
  {NULL, "global", GLOBAL_T(WASM_F64, WASM_CONST)},
  {NULL, "mut_global", GLOBAL_T(WASM_I64, WASM_VAR)},
  {NULL, "table", TABLE_T(WASM_EXTERNREF, 2, NO_MAX)},
  {NULL, "memory", MEMORY_T(1, 2)},
  {NULL, "imported_func", FUNC_T(2, 1, .params = {WASM_I32, WASM_F64}, .results = {WASM_I64})},
  {NULL, "imported_global", GLOBAL_T(WASM_F32, WASM_VAR)},
  {NULL, "imported_table", TABLE_T(WASM_FUNCREF, 1, 5)},
  {NULL, "", FUNC_T(0, 0, .params = {0})},
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static void check_valtypes(const wasm_valtype_vec_t* types, const wasm_valkind_t* kinds, size_t n,
                           const char* what, const char* name) {
  CHECK_MSG(types != NULL, "%s of %s", what, name);
  CHECK_MSG(types->size == n, "%s of \"%s\": %zu, expected %zu", what, name, types->size, n);
  for (size_t i = 0; i < n; ++i) {
    CHECK_MSG(wasm_valtype_kind(types->data[i]) == kinds[i], "%s %zu of \"%s\": kind %d, expected %d", what,
              i, name, (int)wasm_valtype_kind(types->data[i]), (int)kinds[i]);
  }
}

static void check_type(const wasm_externtype_t* type, const expected_type* want, const char* name) {
  CHECK_MSG(type != NULL, "type of \"%s\"", name);
  CHECK_MSG(wasm_externtype_kind(type) == want->kind, "kind of \"%s\": %d, expected %d", name,
            (int)wasm_externtype_kind(type), (int)want->kind);
  // Exactly one of the conversions succeeds: the one of the kind.
  CHECK((wasm_externtype_as_functype_const(type) != NULL) == (want->kind == WASM_EXTERN_FUNC));
  CHECK((wasm_externtype_as_globaltype_const(type) != NULL) == (want->kind == WASM_EXTERN_GLOBAL));
  CHECK((wasm_externtype_as_tabletype_const(type) != NULL) == (want->kind == WASM_EXTERN_TABLE));
  CHECK((wasm_externtype_as_memorytype_const(type) != NULL) == (want->kind == WASM_EXTERN_MEMORY));
  switch (want->kind) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t* func = wasm_externtype_as_functype_const(type);
      check_valtypes(wasm_functype_params(func), want->params, want->nparams, "params", name);
      check_valtypes(wasm_functype_results(func), want->results, want->nresults, "results", name);
      break;
    }
    case WASM_EXTERN_GLOBAL: {
      const wasm_globaltype_t* global = wasm_externtype_as_globaltype_const(type);
      CHECK_MSG(wasm_valtype_kind(wasm_globaltype_content(global)) == want->content, "content of \"%s\"", name);
      CHECK_MSG(wasm_globaltype_mutability(global) == want->mut, "mutability of \"%s\"", name);
      break;
    }
    case WASM_EXTERN_TABLE: {
      const wasm_tabletype_t* table = wasm_externtype_as_tabletype_const(type);
      CHECK_MSG(wasm_valtype_kind(wasm_tabletype_element(table)) == want->content, "element of \"%s\"", name);
      const wasm_limits_t* limits = wasm_tabletype_limits(table);
      CHECK_MSG(limits->min == want->min && limits->max == want->max, "limits of \"%s\": {%u, %u}, expected {%u, %u}",
                name, limits->min, limits->max, want->min, want->max);
      break;
    }
    case WASM_EXTERN_MEMORY: {
      const wasm_memorytype_t* memory = wasm_externtype_as_memorytype_const(type);
      const wasm_limits_t* limits = wasm_memorytype_limits(memory);
      CHECK_MSG(limits->min == want->min && limits->max == want->max, "limits of \"%s\": {%u, %u}, expected {%u, %u}",
                name, limits->min, limits->max, want->min, want->max);
      break;
    }
    default:
      CHECK_MSG(false, "unknown extern kind %d", (int)want->kind);
  }
}

static void check_imports(const wasm_importtype_vec_t* imports) {
  CHECK_EQ_UINT(imports->size, COUNT(expected_imports));
  for (size_t i = 0; i < imports->size; ++i) {
    const expected_entry* want = &expected_imports[i];
    CHECK_NAME(wasm_importtype_module(imports->data[i]), want->module);
    CHECK_NAME(wasm_importtype_name(imports->data[i]), want->name);
    check_type(wasm_importtype_type(imports->data[i]), &want->type, want->name);
  }
}

static void check_exports(const wasm_exporttype_vec_t* exports) {
  CHECK_EQ_UINT(exports->size, COUNT(expected_exports));
  for (size_t i = 0; i < exports->size; ++i) {
    const expected_entry* want = &expected_exports[i];
    CHECK_NAME(wasm_exporttype_name(exports->data[i]), want->name);
    check_type(wasm_exporttype_type(exports->data[i]), &want->type, want->name);
  }
}

static int imported_calls = 0;
static wasm_trap_t* imported_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 2);
  ++imported_calls;
  results->data[0] = val_i64((int64_t)args->data[0].of.i32 + (int64_t)args->data[1].of.f64);
  return NULL;
}

int main(int argc, char** argv) {
  CHECK_EQ_UINT(wasm_limits_max_default, NO_MAX);
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  // The module's imports and exports, and copies of the lists.
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  check_imports(&imports);
  wasm_importtype_vec_t imports_copy;
  wasm_importtype_vec_copy(&imports_copy, &imports);
  wasm_importtype_vec_delete(&imports);
  check_imports(&imports_copy);
  wasm_importtype_vec_delete(&imports_copy);

  wasm_exporttype_vec_t exports_types;
  wasm_module_exports(module, &exports_types);
  check_exports(&exports_types);
  wasm_exporttype_vec_t exports_copy;
  wasm_exporttype_vec_copy(&exports_copy, &exports_types);
  check_exports(&exports_copy);
  wasm_exporttype_vec_delete(&exports_copy);
  // Single entries copied.
  for (size_t i = 0; i < exports_types.size; ++i) {
    wasm_exporttype_t* copy = wasm_exporttype_copy(exports_types.data[i]);
    CHECK(copy != NULL);
    CHECK_NAME(wasm_exporttype_name(copy), expected_exports[i].name);
    check_type(wasm_exporttype_type(copy), &expected_exports[i].type, expected_exports[i].name);
    wasm_exporttype_delete(copy);
  }
  wasm_exporttype_vec_delete(&exports_types);

  // Host objects of the imported types.
  wasm_functype_t* func_type = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                                                     wasm_valtype_new_i64());
  wasm_func_t* host_func = wasm_func_new(store, func_type, imported_callback);
  wasm_functype_delete(func_type);
  wasm_globaltype_t* global_type = wasm_globaltype_new(wasm_valtype_new_f32(), WASM_VAR);
  wasm_val_t global_init = val_f32(2.5f);
  wasm_global_t* host_global = wasm_global_new(store, global_type, &global_init);
  wasm_globaltype_delete(global_type);
  wasm_limits_t table_limits = {1, 5};
  wasm_tabletype_t* table_type = wasm_tabletype_new(wasm_valtype_new_funcref(), &table_limits);
  wasm_table_t* host_table = wasm_table_new(store, table_type, NULL);
  wasm_tabletype_delete(table_type);
  wasm_limits_t memory_limits = {1, 2};
  wasm_memorytype_t* memory_type = wasm_memorytype_new(&memory_limits);
  wasm_memory_t* host_memory = wasm_memory_new(store, memory_type);
  wasm_memorytype_delete(memory_type);
  CHECK(host_func && host_global && host_table && host_memory);

  // The host objects' extern types match the module's imports.
  wasm_extern_t* externs[] = {wasm_func_as_extern(host_func), wasm_global_as_extern(host_global),
                              wasm_table_as_extern(host_table), wasm_memory_as_extern(host_memory)};
  for (size_t i = 0; i < COUNT(externs); ++i) {
    CHECK_EQ_INT(wasm_extern_kind(externs[i]), expected_imports[i].type.kind);
    wasm_externtype_t* type = wasm_extern_type(externs[i]);
    check_type(type, &expected_imports[i].type, expected_imports[i].name);
    wasm_externtype_delete(type);
  }

  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);

  // The instance's exports: in the module's order, of the module's types.
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK_EQ_UINT(exports.size, COUNT(expected_exports));
  for (size_t i = 0; i < exports.size; ++i) {
    const expected_entry* want = &expected_exports[i];
    CHECK(exports.data[i] != NULL);
    CHECK_MSG(wasm_extern_kind(exports.data[i]) == want->type.kind, "kind of export \"%s\"", want->name);
    wasm_externtype_t* type = wasm_extern_type(exports.data[i]);
    check_type(type, &want->type, want->name);
    wasm_externtype_t* copy = wasm_externtype_copy(type);
    check_type(copy, &want->type, want->name);
    wasm_externtype_delete(copy);
    wasm_externtype_delete(type);
    // The per-kind accessors agree with the kind.
    CHECK((wasm_extern_as_func(exports.data[i]) != NULL) == (want->type.kind == WASM_EXTERN_FUNC));
    CHECK((wasm_extern_as_global(exports.data[i]) != NULL) == (want->type.kind == WASM_EXTERN_GLOBAL));
    CHECK((wasm_extern_as_table(exports.data[i]) != NULL) == (want->type.kind == WASM_EXTERN_TABLE));
    CHECK((wasm_extern_as_memory(exports.data[i]) != NULL) == (want->type.kind == WASM_EXTERN_MEMORY));
  }

  // Per-kind type queries on the exports.
  {
    wasm_func_t* func = wasm_extern_as_func(exports.data[0]);
    CHECK_EQ_UINT(wasm_func_param_arity(func), 4);
    CHECK_EQ_UINT(wasm_func_result_arity(func), 1);
    wasm_func_t* multi = wasm_extern_as_func(exports.data[2]);
    CHECK_EQ_UINT(wasm_func_param_arity(multi), 2);
    CHECK_EQ_UINT(wasm_func_result_arity(multi), 3);
    wasm_globaltype_t* gt = wasm_global_type(wasm_extern_as_global(exports.data[4]));
    CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(gt)), WASM_I64);
    CHECK_EQ_INT(wasm_globaltype_mutability(gt), WASM_VAR);
    wasm_globaltype_delete(gt);
    wasm_tabletype_t* tt = wasm_table_type(wasm_extern_as_table(exports.data[5]));
    CHECK_EQ_INT(wasm_valtype_kind(wasm_tabletype_element(tt)), WASM_EXTERNREF);
    CHECK_EQ_UINT(wasm_tabletype_limits(tt)->min, 2);
    CHECK_EQ_UINT(wasm_tabletype_limits(tt)->max, NO_MAX);
    wasm_tabletype_delete(tt);
    wasm_memorytype_t* mt = wasm_memory_type(wasm_extern_as_memory(exports.data[6]));
    CHECK_EQ_UINT(wasm_memorytype_limits(mt)->min, 1);
    CHECK_EQ_UINT(wasm_memorytype_limits(mt)->max, 2);
    wasm_memorytype_delete(mt);
  }

  // Re-exported imports are the host's objects.
  {
    wasm_func_t* func = wasm_extern_as_func(exports.data[7]);
    wasm_val_t args[2] = {WASM_I32_VAL(40), WASM_F64_VAL(2.0)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    CALL_OK(func, args, 2, results, 1);
    CHECK_EQ_INT(results[0].kind, WASM_I64);
    CHECK_EQ_INT(results[0].of.i64, 42);
    CHECK_EQ_INT(imported_calls, 1);

    wasm_global_t* global = wasm_extern_as_global(exports.data[8]);
    wasm_val_t v = val_f32(-8.5f);
    wasm_global_set(global, &v);
    wasm_val_t got;
    wasm_global_get(host_global, &got);
    CHECK_VAL(&got, &v);

    wasm_table_t* table = wasm_extern_as_table(exports.data[9]);
    CHECK_EQ_UINT(wasm_table_size(table), 1);
    CHECK(wasm_table_set(table, 0, wasm_func_as_ref(host_func)));
    wasm_ref_t* entry = wasm_table_get(host_table, 0);
    CHECK(entry != NULL);
    CHECK(wasm_ref_same(entry, wasm_func_as_ref(host_func)));
    wasm_ref_delete(entry);
    CHECK(wasm_table_grow(host_table, 1, NULL));
    CHECK_EQ_UINT(wasm_table_size(table), 2);

    wasm_memory_t* memory = wasm_extern_as_memory(exports.data[6]);
    CHECK(wasm_memory_data(memory) == wasm_memory_data(host_memory));
    wasm_memory_data(host_memory)[77] = 77;
    CHECK_EQ_INT(wasm_memory_data(memory)[77], 77);
    CHECK(wasm_memory_grow(memory, 1));
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 2);
  }

  // Type constructors, copies and conversions.
  {
    wasm_valkind_t all[6] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_EXTERNREF, WASM_FUNCREF};
    for (int i = 0; i < 6; ++i) {
      wasm_valtype_t* t = wasm_valtype_new(all[i]);
      CHECK(t != NULL);
      CHECK_EQ_INT(wasm_valtype_kind(t), all[i]);
      CHECK(wasm_valtype_is_num(t) == (i < 4));
      CHECK(wasm_valtype_is_ref(t) == (i >= 4));
      wasm_valtype_t* c = wasm_valtype_copy(t);
      CHECK_EQ_INT(wasm_valtype_kind(c), all[i]);
      wasm_valtype_delete(c);
      wasm_valtype_delete(t);
    }

    wasm_functype_t* ft = wasm_functype_new_3_2(wasm_valtype_new_f32(), wasm_valtype_new_externref(),
                                                wasm_valtype_new_i64(), wasm_valtype_new_funcref(),
                                                wasm_valtype_new_f64());
    expected_type want_ft = FUNC_T(3, 2, .params = {WASM_F32, WASM_EXTERNREF, WASM_I64},
                                   .results = {WASM_FUNCREF, WASM_F64});
    wasm_externtype_t* ft_extern = wasm_functype_as_externtype(ft);
    check_type(ft_extern, &want_ft, "constructed functype");
    CHECK(wasm_externtype_as_functype(ft_extern) != NULL);
    CHECK(wasm_externtype_as_globaltype(ft_extern) == NULL);
    wasm_functype_t* ft_copy = wasm_functype_copy(ft);
    wasm_functype_delete(ft);
    check_type(wasm_functype_as_externtype_const(ft_copy), &want_ft, "copied functype");

    wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_CONST);
    expected_type want_gt = GLOBAL_T(WASM_I64, WASM_CONST);
    check_type(wasm_globaltype_as_externtype(gt), &want_gt, "constructed globaltype");
    CHECK(wasm_externtype_as_tabletype(wasm_globaltype_as_externtype(gt)) == NULL);
    wasm_globaltype_t* gt_copy = wasm_globaltype_copy(gt);
    wasm_globaltype_delete(gt);
    check_type(wasm_globaltype_as_externtype_const(gt_copy), &want_gt, "copied globaltype");

    wasm_limits_t tl = {7, 70};
    wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_externref(), &tl);
    expected_type want_tt = TABLE_T(WASM_EXTERNREF, 7, 70);
    check_type(wasm_tabletype_as_externtype(tt), &want_tt, "constructed tabletype");
    CHECK(wasm_externtype_as_memorytype(wasm_tabletype_as_externtype(tt)) == NULL);
    wasm_tabletype_t* tt_copy = wasm_tabletype_copy(tt);
    wasm_tabletype_delete(tt);
    check_type(wasm_tabletype_as_externtype_const(tt_copy), &want_tt, "copied tabletype");

    wasm_limits_t ml = {3, NO_MAX};
    wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
    expected_type want_mt = MEMORY_T(3, NO_MAX);
    check_type(wasm_memorytype_as_externtype(mt), &want_mt, "constructed memorytype");
    CHECK(wasm_externtype_as_functype(wasm_memorytype_as_externtype(mt)) == NULL);
    wasm_memorytype_t* mt_copy = wasm_memorytype_copy(mt);
    wasm_memorytype_delete(mt);
    check_type(wasm_memorytype_as_externtype_const(mt_copy), &want_mt, "copied memorytype");

    // Import and export types made by the host own what they are given.
    wasm_name_t module_name, name;
    wasm_name_new_from_string(&module_name, "mod");
    wasm_name_new_from_string(&name, "thing");
    wasm_importtype_t* it = wasm_importtype_new(&module_name, &name, wasm_functype_as_externtype(ft_copy));
    CHECK(it != NULL);
    CHECK_NAME(wasm_importtype_module(it), "mod");
    CHECK_NAME(wasm_importtype_name(it), "thing");
    check_type(wasm_importtype_type(it), &want_ft, "thing");
    wasm_importtype_delete(it);

    wasm_name_new_from_string(&name, "exported");
    wasm_exporttype_t* et = wasm_exporttype_new(&name, wasm_memorytype_as_externtype(mt_copy));
    CHECK(et != NULL);
    CHECK_NAME(wasm_exporttype_name(et), "exported");
    check_type(wasm_exporttype_type(et), &want_mt, "exported");
    wasm_exporttype_delete(et);

    wasm_globaltype_delete(gt_copy);
    wasm_tabletype_delete(tt_copy);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host_func);
  wasm_global_delete(host_global);
  wasm_table_delete(host_table);
  wasm_memory_delete(host_memory);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("reflect");
}
