// global: globals of every numeric type, const and mutable, created by the
// host and imported, or defined by the module and exported. Values set on one
// side are seen on the other: host set -> guest get, guest set -> host get,
// through the host's own handle and through re-exports of the imports.

#include "check.h"

static const char* const type_names[4] = {"i32", "i64", "f32", "f64"};
static const wasm_valkind_t kinds[4] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64};

// A distinct value of type `t` for each `seed`.
static wasm_val_t value_of(int t, int seed) {
  switch (t) {
    case 0: return val_i32(INT32_C(-1000000) - seed);
    case 1: return val_i64(INT64_C(0x7edcba9876543210) - seed);
    case 2: return val_f32(0.5f + (float)seed);
    default: return val_f64(-1e300 + (double)seed * 1e290);
  }
}

static wasm_globaltype_t* globaltype(int t, wasm_mutability_t mut) {
  wasm_globaltype_t* type = wasm_globaltype_new(wasm_valtype_new(kinds[t]), mut);
  CHECK(type != NULL);
  return type;
}

static void check_global_type(const wasm_global_t* global, int t, wasm_mutability_t mut) {
  wasm_globaltype_t* type = wasm_global_type(global);
  CHECK(type != NULL);
  CHECK_EQ_INT(wasm_valtype_kind(wasm_globaltype_content(type)), kinds[t]);
  CHECK_EQ_INT(wasm_globaltype_mutability(type), mut);
  wasm_globaltype_delete(type);
}

static void check_global(const wasm_global_t* global, wasm_val_t expected) {
  wasm_val_t got;
  wasm_global_get(global, &got);
  CHECK_VAL(&got, &expected);
}

static wasm_val_t call_get(const wasm_func_t* getter) {
  wasm_val_t result = WASM_INIT_VAL;
  CALL_OK(getter, NULL, 0, &result, 1);
  return result;
}

static void call_set(const wasm_func_t* setter, wasm_val_t value) {
  CALL_OK(setter, &value, 1, NULL, 0);
}

static void name_of(char* out, size_t size, const char* prefix, int t) {
  snprintf(out, size, "%s_%s", prefix, type_names[t]);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  // Host globals: const then mutable, one of each type, as imported.
  wasm_global_t* host_const[4];
  wasm_global_t* host_var[4];
  for (int t = 0; t < 4; ++t) {
    wasm_globaltype_t* const_type = globaltype(t, WASM_CONST);
    wasm_globaltype_t* var_type = globaltype(t, WASM_VAR);
    wasm_val_t const_init = value_of(t, 1);
    wasm_val_t var_init = value_of(t, 2);
    host_const[t] = wasm_global_new(store, const_type, &const_init);
    host_var[t] = wasm_global_new(store, var_type, &var_init);
    CHECK(host_const[t] != NULL && host_var[t] != NULL);
    wasm_globaltype_delete(const_type);
    wasm_globaltype_delete(var_type);

    // What the host made reads back, with its type.
    check_global_type(host_const[t], t, WASM_CONST);
    check_global_type(host_var[t], t, WASM_VAR);
    check_global(host_const[t], value_of(t, 1));
    check_global(host_var[t], value_of(t, 2));

    // A host-side set on a host global, before any instance.
    wasm_val_t v = value_of(t, 3);
    wasm_global_set(host_var[t], &v);
    check_global(host_var[t], value_of(t, 3));
  }

  wasm_extern_t* externs[8];
  for (int t = 0; t < 4; ++t) {
    externs[t] = wasm_global_as_extern(host_const[t]);
    externs[4 + t] = wasm_global_as_extern(host_var[t]);
  }
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  // The module's own initial values, in the module's declared types.
  static const wasm_val_t def_const_init[4] = {
    {.kind = WASM_I32, .of = {.i32 = 11}},
    {.kind = WASM_I64, .of = {.i64 = INT64_C(0x1200000034)}},
    {.kind = WASM_F32, .of = {.f32 = 13.5f}},
    {.kind = WASM_F64, .of = {.f64 = -14.25}},
  };
  static const wasm_val_t def_var_init[4] = {
    {.kind = WASM_I32, .of = {.i32 = 21}},
    {.kind = WASM_I64, .of = {.i64 = -22}},
    {.kind = WASM_F32, .of = {.f32 = 23.5f}},
    {.kind = WASM_F64, .of = {.f64 = 24.75}},
  };

  // A global initialised from an imported one has the import's value.
  wasm_global_t* copy_i64 = EXPORT_GLOBAL(module, &exports, "copy_i64");
  check_global_type(copy_i64, 1, WASM_CONST);
  check_global(copy_i64, value_of(1, 1));

  for (int t = 0; t < 4; ++t) {
    char name[64];
    name_of(name, sizeof name, "def_const", t);
    wasm_global_t* def_const = EXPORT_GLOBAL(module, &exports, name);
    name_of(name, sizeof name, "def_var", t);
    wasm_global_t* def_var = EXPORT_GLOBAL(module, &exports, name);
    name_of(name, sizeof name, "imp_const", t);
    wasm_global_t* imp_const = EXPORT_GLOBAL(module, &exports, name);
    name_of(name, sizeof name, "imp_var", t);
    wasm_global_t* imp_var = EXPORT_GLOBAL(module, &exports, name);
    name_of(name, sizeof name, "get_def_const", t);
    wasm_func_t* get_def_const = EXPORT_FUNC(module, &exports, name);
    name_of(name, sizeof name, "get_def_var", t);
    wasm_func_t* get_def_var = EXPORT_FUNC(module, &exports, name);
    name_of(name, sizeof name, "get_imp_const", t);
    wasm_func_t* get_imp_const = EXPORT_FUNC(module, &exports, name);
    name_of(name, sizeof name, "get_imp_var", t);
    wasm_func_t* get_imp_var = EXPORT_FUNC(module, &exports, name);
    name_of(name, sizeof name, "set_def_var", t);
    wasm_func_t* set_def_var = EXPORT_FUNC(module, &exports, name);
    name_of(name, sizeof name, "set_imp_var", t);
    wasm_func_t* set_imp_var = EXPORT_FUNC(module, &exports, name);
    wasm_val_t v;

    // Exported globals have the declared types.
    check_global_type(def_const, t, WASM_CONST);
    check_global_type(def_var, t, WASM_VAR);
    check_global_type(imp_const, t, WASM_CONST);
    check_global_type(imp_var, t, WASM_VAR);

    // Initial values, read by the host and by the guest.
    check_global(def_const, def_const_init[t]);
    check_global(def_var, def_var_init[t]);
    check_global(imp_const, value_of(t, 1));
    check_global(imp_var, value_of(t, 3));
    v = call_get(get_def_const);
    CHECK_VAL(&v, &def_const_init[t]);
    v = call_get(get_def_var);
    CHECK_VAL(&v, &def_var_init[t]);
    v = call_get(get_imp_const);
    wasm_val_t expected = value_of(t, 1);
    CHECK_VAL(&v, &expected);
    v = call_get(get_imp_var);
    expected = value_of(t, 3);
    CHECK_VAL(&v, &expected);

    // Host set on the host's handle of an imported mutable global: the
    // guest and the re-export see it.
    v = value_of(t, 4);
    wasm_global_set(host_var[t], &v);
    v = call_get(get_imp_var);
    expected = value_of(t, 4);
    CHECK_VAL(&v, &expected);
    check_global(imp_var, value_of(t, 4));

    // Guest set on the imported global: the host's handle sees it.
    call_set(set_imp_var, value_of(t, 5));
    check_global(host_var[t], value_of(t, 5));
    check_global(imp_var, value_of(t, 5));

    // Host set through the re-export: the host's handle and the guest see it.
    v = value_of(t, 6);
    wasm_global_set(imp_var, &v);
    check_global(host_var[t], value_of(t, 6));
    v = call_get(get_imp_var);
    expected = value_of(t, 6);
    CHECK_VAL(&v, &expected);

    // Host set on a defined mutable global: the guest sees it.
    v = value_of(t, 7);
    wasm_global_set(def_var, &v);
    v = call_get(get_def_var);
    expected = value_of(t, 7);
    CHECK_VAL(&v, &expected);

    // Guest set on a defined mutable global: the host sees it.
    call_set(set_def_var, value_of(t, 8));
    check_global(def_var, value_of(t, 8));

    // Const globals did not change along the way.
    check_global(def_const, def_const_init[t]);
    check_global(imp_const, value_of(t, 1));
    check_global(host_const[t], value_of(t, 1));
  }

  // Extreme values survive the round trip bit for bit.
  {
    wasm_global_t* var_f32 = EXPORT_GLOBAL(module, &exports, "def_var_f32");
    wasm_global_t* var_f64 = EXPORT_GLOBAL(module, &exports, "def_var_f64");
    wasm_global_t* var_i64 = EXPORT_GLOBAL(module, &exports, "def_var_i64");
    wasm_func_t* get_f32 = EXPORT_FUNC(module, &exports, "get_def_var_f32");
    wasm_func_t* get_f64 = EXPORT_FUNC(module, &exports, "get_def_var_f64");
    wasm_func_t* get_i64 = EXPORT_FUNC(module, &exports, "get_def_var_i64");
    wasm_val_t v = val_f32(-0.0f);
    wasm_global_set(var_f32, &v);
    wasm_val_t got = call_get(get_f32);
    CHECK_VAL(&got, &v);
    v = val_f64(5e-324);
    wasm_global_set(var_f64, &v);
    got = call_get(get_f64);
    CHECK_VAL(&got, &v);
    v = val_i64(INT64_MIN);
    wasm_global_set(var_i64, &v);
    got = call_get(get_i64);
    CHECK_VAL(&got, &v);
  }

  // A second instance shares the imported globals but has its own defined ones.
  wasm_instance_t* instance2 = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance2 != NULL);
  wasm_extern_vec_t exports2;
  wasm_instance_exports(instance2, &exports2);
  {
    wasm_func_t* set_def_var = EXPORT_FUNC(module, &exports2, "set_def_var_i32");
    wasm_func_t* set_imp_var = EXPORT_FUNC(module, &exports2, "set_imp_var_i32");
    wasm_global_t* def_var1 = EXPORT_GLOBAL(module, &exports, "def_var_i32");
    wasm_global_t* def_var2 = EXPORT_GLOBAL(module, &exports2, "def_var_i32");
    wasm_func_t* get_imp_var1 = EXPORT_FUNC(module, &exports, "get_imp_var_i32");
    check_global(def_var2, def_var_init[0]);
    call_set(set_def_var, val_i32(999));
    check_global(def_var2, val_i32(999));
    check_global(def_var1, value_of(0, 8));
    call_set(set_imp_var, val_i32(-777));
    wasm_val_t v = call_get(get_imp_var1);
    wasm_val_t expected = val_i32(-777);
    CHECK_VAL(&v, &expected);
    check_global(host_var[0], val_i32(-777));
  }
  wasm_extern_vec_delete(&exports2);
  wasm_instance_delete(instance2);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);

  // The host's globals outlive the instances that imported them.
  check_global(host_var[3], value_of(3, 6));
  for (int t = 0; t < 4; ++t) {
    wasm_global_delete(host_const[t]);
    wasm_global_delete(host_var[t]);
  }
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("global");
}
