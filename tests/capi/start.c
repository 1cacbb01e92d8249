// start: the start function runs inside wasm_instance_new — its call to a
// host import, its global and memory writes are visible when the instance is
// returned, and it runs once per instance. A start function that traps (in
// the guest, or in a host import it calls) makes wasm_instance_new return
// NULL and hand back the trap; the store stays usable.

#include "check.h"

#define START_FUNC_INDEX 1

static int started_calls = 0;
static int32_t started_last_mode = -1;
static bool refuse = false;

// host.started(mode); returns a trap when `refuse` is set.
static wasm_trap_t* started_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_UINT(results->size, 0);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  ++started_calls;
  started_last_mode = args->data[0].of.i32;
  if (!refuse) return NULL;
  wasm_message_t message;
  message_new(&message, "start refused by the host");
  wasm_trap_t* trap = wasm_trap_new((wasm_store_t*)env, &message);
  wasm_byte_vec_delete(&message);
  return trap;
}

typedef struct imports_t {
  wasm_func_t* started;
  wasm_global_t* mode;
  wasm_extern_t* externs[2];
  wasm_extern_vec_t vec;
} imports_t;

static void make_imports(wasm_store_t* store, int32_t mode, imports_t* out) {
  wasm_functype_t* ft = wasm_functype_new_1_0(wasm_valtype_new_i32());
  out->started = wasm_func_new_with_env(store, ft, started_callback, store, NULL);
  wasm_functype_delete(ft);
  wasm_globaltype_t* gt = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_val_t v = val_i32(mode);
  out->mode = wasm_global_new(store, gt, &v);
  wasm_globaltype_delete(gt);
  CHECK(out->started != NULL && out->mode != NULL);
  out->externs[0] = wasm_func_as_extern(out->started);
  out->externs[1] = wasm_global_as_extern(out->mode);
  out->vec.size = 2;
  out->vec.data = out->externs;
}

static void delete_imports(imports_t* imports) {
  wasm_func_delete(imports->started);
  wasm_global_delete(imports->mode);
}

// Instantiates in mode 0 and checks the start function's effects.
static void instantiate_ok(wasm_store_t* store, const wasm_module_t* module) {
  imports_t imports;
  make_imports(store, 0, &imports);
  int calls_before = started_calls;
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports.vec, &trap);
  CHECK(instance != NULL);
  CHECK(trap == NULL);
  // The start function ran exactly once, before wasm_instance_new returned.
  CHECK_EQ_INT(started_calls, calls_before + 1);
  CHECK_EQ_INT(started_last_mode, 0);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK_EQ_UINT(exports.size, 2);
  wasm_memory_t* memory = wasm_extern_as_memory(exports.data[0]);
  wasm_func_t* get = wasm_extern_as_func(exports.data[1]);
  CHECK(memory != NULL && get != NULL);
  CHECK_EQ_INT(wasm_memory_data(memory)[8], 0x2a);
  CHECK_EQ_INT(wasm_memory_data(memory)[9], 0);
  wasm_val_t result = WASM_INIT_VAL;
  CALL_OK(get, NULL, 0, &result, 1);
  CHECK_EQ_INT(result.kind, WASM_I32);
  CHECK_EQ_INT(result.of.i32, 7);
  // Calling exports does not run the start function again.
  CHECK_EQ_INT(started_calls, calls_before + 1);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  delete_imports(&imports);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  // The start function is not an export.
  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  CHECK_EQ_UINT(export_types.size, 2);
  wasm_exporttype_vec_delete(&export_types);

  // Mode 0: the start function completes; once per instance.
  instantiate_ok(store, module);
  instantiate_ok(store, module);
  CHECK_EQ_INT(started_calls, 2);

  // Mode 2: the start function calls the host, then traps in the guest.
  {
    imports_t imports;
    make_imports(store, 2, &imports);
    wasm_trap_t* trap = NULL;
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports.vec, &trap);
    CHECK(instance == NULL);
    CHECK(trap != NULL);
    CHECK_EQ_INT(started_calls, 3);
    CHECK_EQ_INT(started_last_mode, 2);
    char* text = TRAP_TEXT(trap);
    printf("start trap: %s\n", text);
    free(text);
    wasm_frame_t* origin = wasm_trap_origin(trap);
    if (origin) {
      CHECK_EQ_UINT(wasm_frame_func_index(origin), START_FUNC_INDEX);
      wasm_frame_delete(origin);
    } else {
      printf("note: no trap origin\n");
    }
    wasm_trap_delete(trap);

    // Without a place for the trap: still NULL, and no crash.
    instance = wasm_instance_new(store, module, &imports.vec, NULL);
    CHECK(instance == NULL);
    CHECK_EQ_INT(started_calls, 4);
    delete_imports(&imports);
  }

  // Mode 1 with the host refusing: the host's trap comes back, message intact.
  {
    imports_t imports;
    make_imports(store, 1, &imports);
    refuse = true;
    wasm_trap_t* trap = NULL;
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports.vec, &trap);
    refuse = false;
    CHECK(instance == NULL);
    CHECK(trap != NULL);
    CHECK_EQ_INT(started_calls, 5);
    CHECK_EQ_INT(started_last_mode, 1);
    CHECK_TRAP_MESSAGE(trap, "start refused by the host");
    wasm_trap_delete(trap);

    // The same imports work once the host agrees (mode 1 does not trap).
    trap = NULL;
    instance = wasm_instance_new(store, module, &imports.vec, &trap);
    CHECK(instance != NULL);
    CHECK(trap == NULL);
    CHECK_EQ_INT(started_calls, 6);
    wasm_instance_delete(instance);
    delete_imports(&imports);
  }

  // After the failures the store and module still instantiate and run.
  instantiate_ok(store, module);
  CHECK_EQ_INT(started_calls, 7);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("start");
}
