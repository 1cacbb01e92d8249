// finalize: host info with finalizers on functions (set on the handle, and the
// environment of wasm_func_new_with_env), foreign objects, globals, tables,
// memories and instances. A finalizer never runs while its object is alive,
// runs exactly once with the data it was given, and by the time the store is
// deleted every one of them has run (the standard lets objects be finalized
// as late as their store's deletion, so counts are checked after it). Two
// stores: deleting one finalizes its objects and none of the other's.

#include "check.h"

#define N_FUNCS 40
#define N_ENV_FUNCS 40
#define N_FOREIGNS 60
#define N_INSTANCES 100
#define N_OTHERS 3  // a global, a table, a memory
#define PER_STORE (N_FUNCS + N_ENV_FUNCS + N_FOREIGNS + N_INSTANCES + N_OTHERS)

// One slot per finalizable object; a finalizer marks its slot.
typedef struct slot {
  int store;  // 1 or 2
  int finalized;
} slot;

static slot slots[2][PER_STORE];
static int finalized_count = 0;

static void finalize(void* data) {
  CHECK(data != NULL);
  slot* s = (slot*)data;
  CHECK(s >= &slots[0][0] && s < &slots[0][0] + 2 * PER_STORE);
  CHECK_MSG(s->finalized == 0, "slot %td finalized twice", s - &slots[0][0]);
  s->finalized = 1;
  ++finalized_count;
}

static int count_finalized(int store_index) {
  int n = 0;
  for (int i = 0; i < PER_STORE; ++i) n += slots[store_index][i].finalized;
  return n;
}

static int f_calls = 0;
static wasm_trap_t* f_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  ++f_calls;
  results->data[0] = val_i32(args->data[0].of.i32 + 1);
  return NULL;
}

static wasm_trap_t* f_env_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK(env != NULL);
  CHECK_EQ_INT(((slot*)env)->finalized, 0);
  ++f_calls;
  results->data[0] = val_i32(args->data[0].of.i32 + 2);
  return NULL;
}

// Creates PER_STORE finalizable objects in `store`, uses them, and deletes
// every handle except `*kept` (a foreign whose slot is returned in
// `*kept_slot`), which the caller deletes later.
static void fill_store(wasm_store_t* store, const wasm_byte_vec_t* binary, int store_index,
                       wasm_foreign_t** kept, slot** kept_slot) {
  slot* s = slots[store_index];
  int next = 0;
  for (int i = 0; i < PER_STORE; ++i) s[i].store = store_index + 1;

  wasm_module_t* module = wasm_module_new(store, binary);
  CHECK(module != NULL);
  wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());

  // Functions with host info and a finalizer, and functions whose
  // environment has a finalizer; all of them called once.
  wasm_func_t* funcs[N_FUNCS + N_ENV_FUNCS];
  for (int i = 0; i < N_FUNCS; ++i) {
    funcs[i] = wasm_func_new(store, type, f_callback);
    CHECK(funcs[i] != NULL);
    slot* data = &s[next++];
    wasm_func_set_host_info_with_finalizer(funcs[i], data, finalize);
    CHECK(wasm_func_get_host_info(funcs[i]) == data);
  }
  for (int i = 0; i < N_ENV_FUNCS; ++i) {
    funcs[N_FUNCS + i] = wasm_func_new_with_env(store, type, f_env_callback, &s[next++], finalize);
    CHECK(funcs[N_FUNCS + i] != NULL);
  }
  for (int i = 0; i < N_FUNCS + N_ENV_FUNCS; ++i) {
    wasm_val_t args[1] = {WASM_I32_VAL(i)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    CALL_OK(funcs[i], args, 1, results, 1);
    CHECK_EQ_INT(results[0].of.i32, i < N_FUNCS ? i + 1 : i + 2);
  }

  // Foreign objects with host info and a finalizer.
  wasm_foreign_t* foreigns[N_FOREIGNS];
  for (int i = 0; i < N_FOREIGNS; ++i) {
    foreigns[i] = wasm_foreign_new(store);
    CHECK(foreigns[i] != NULL);
    slot* data = &s[next++];
    wasm_foreign_set_host_info_with_finalizer(foreigns[i], data, finalize);
    CHECK(wasm_foreign_get_host_info(foreigns[i]) == data);
    if (i == 0) {
      *kept = foreigns[i];
      *kept_slot = data;
    }
  }

  // Instances, each importing one of the functions, with host info and a
  // finalizer.
  for (int i = 0; i < N_INSTANCES; ++i) {
    wasm_extern_t* externs[] = {wasm_func_as_extern(funcs[i % (N_FUNCS + N_ENV_FUNCS)])};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
    CHECK(instance != NULL);
    slot* data = &s[next++];
    wasm_instance_set_host_info_with_finalizer(instance, data, finalize);
    CHECK(wasm_instance_get_host_info(instance) == data);
    if (i % 10 == 0) {
      wasm_extern_vec_t exports;
      wasm_instance_exports(instance, &exports);
      CHECK_EQ_UINT(exports.size, 1);
      wasm_val_t args[1] = {WASM_I32_VAL(10)};
      wasm_val_t results[1] = {WASM_INIT_VAL};
      CALL_OK(wasm_extern_as_func(exports.data[0]), args, 1, results, 1);
      CHECK_EQ_INT(results[0].of.i32, i % (N_FUNCS + N_ENV_FUNCS) < N_FUNCS ? 11 : 12);
      wasm_extern_vec_delete(&exports);
    }
    wasm_instance_delete(instance);
  }

  // A global, a table and a memory.
  {
    wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
    wasm_val_t v = val_i32(1);
    wasm_global_t* global = wasm_global_new(store, gt, &v);
    wasm_globaltype_delete(gt);
    CHECK(global != NULL);
    wasm_global_set_host_info_with_finalizer(global, &s[next++], finalize);
    wasm_limits_t tl = {1, 1};
    wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &tl);
    wasm_table_t* table = wasm_table_new(store, tt, wasm_func_as_ref(funcs[0]));
    wasm_tabletype_delete(tt);
    CHECK(table != NULL);
    wasm_table_set_host_info_with_finalizer(table, &s[next++], finalize);
    wasm_limits_t ml = {1, 1};
    wasm_memorytype_t* mt = wasm_memorytype_new(&ml);
    wasm_memory_t* memory = wasm_memory_new(store, mt);
    wasm_memorytype_delete(mt);
    CHECK(memory != NULL);
    wasm_memory_set_host_info_with_finalizer(memory, &s[next++], finalize);
    wasm_global_delete(global);
    wasm_table_delete(table);
    wasm_memory_delete(memory);
  }
  CHECK_EQ_INT(next, PER_STORE);

  // Host info without a finalizer: readable, and nothing to finalize.
  {
    wasm_foreign_t* plain = wasm_foreign_new(store);
    static int plain_info;
    wasm_foreign_set_host_info(plain, &plain_info);
    CHECK(wasm_foreign_get_host_info(plain) == &plain_info);
    wasm_foreign_delete(plain);
  }

  // The kept foreign is alive: not finalized, whatever else was.
  CHECK_EQ_INT((*kept_slot)->finalized, 0);

  for (int i = 0; i < N_FUNCS + N_ENV_FUNCS; ++i) wasm_func_delete(funcs[i]);
  for (int i = 1; i < N_FOREIGNS; ++i) wasm_foreign_delete(foreigns[i]);
  wasm_functype_delete(type);
  wasm_module_delete(module);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine != NULL);
  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);

  // Nothing is finalized while it is alive.
  wasm_store_t* store1 = wasm_store_new(engine);
  CHECK(store1 != NULL);
  wasm_foreign_t* kept1 = NULL;
  slot* kept1_slot = NULL;
  fill_store(store1, &binary, 0, &kept1, &kept1_slot);
  CHECK(finalized_count <= PER_STORE - 1);

  wasm_store_t* store2 = wasm_store_new(engine);
  CHECK(store2 != NULL);
  wasm_foreign_t* kept2 = NULL;
  slot* kept2_slot = NULL;
  fill_store(store2, &binary, 1, &kept2, &kept2_slot);
  CHECK_EQ_INT(kept1_slot->finalized, 0);
  CHECK_EQ_INT(kept2_slot->finalized, 0);

  // Deleting store 2 (its kept foreign first) finalizes all of its objects
  // and none of store 1's live one.
  wasm_foreign_delete(kept2);
  wasm_store_delete(store2);
  CHECK_EQ_INT(count_finalized(1), PER_STORE);
  CHECK_EQ_INT(kept1_slot->finalized, 0);
  CHECK(wasm_foreign_get_host_info(kept1) == kept1_slot);

  // Store 1 still works after store 2 is gone.
  {
    wasm_module_t* module = wasm_module_new(store1, &binary);
    CHECK(module != NULL);
    wasm_functype_t* type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
    wasm_func_t* func = wasm_func_new(store1, type, f_callback);
    wasm_functype_delete(type);
    wasm_extern_t* externs[] = {wasm_func_as_extern(func)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
    wasm_instance_t* instance = wasm_instance_new(store1, module, &imports, NULL);
    CHECK(instance != NULL);
    wasm_instance_delete(instance);
    wasm_func_delete(func);
    wasm_module_delete(module);
  }

  // Deleting store 1 finalizes the rest; every finalizer ran exactly once.
  wasm_foreign_delete(kept1);
  wasm_store_delete(store1);
  CHECK_EQ_INT(count_finalized(0), PER_STORE);
  CHECK_EQ_INT(finalized_count, 2 * PER_STORE);

  wasm_byte_vec_delete(&binary);
  wasm_engine_delete(engine);
  CHECK_EQ_INT(finalized_count, 2 * PER_STORE);
  return pass("finalize");
}
