// threads: one module compiled once, shared with wasm_module_share, and
// obtained with wasm_module_obtain by N_THREADS threads, each with a store of
// its own (the compiling store is gone by then). Each thread instantiates it
// several times and calls it many times; a host import counts every call with
// an atomic counter. The final counts and every result are checked.

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>

#include "check.h"

#define N_THREADS 4
#define N_INSTANCES 10       // per thread
#define N_CALLS 20           // of run, per instance
#define N_TICKS 1000         // host calls per run

static atomic_long total_ticks;

typedef struct thread_state {
  wasm_engine_t* engine;
  const wasm_shared_module_t* shared;
  int id;
  long ticks;  // this thread's own count, through its tick's environment
  int done;
} thread_state;

// host.tick(id) = id + 1; counts the call globally and per thread.
static wasm_trap_t* tick(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  thread_state* state = (thread_state*)env;
  CHECK_EQ_UINT(args->size, 1);
  CHECK_EQ_INT(args->data[0].kind, WASM_I32);
  // The guest passes the id it was instantiated with: this thread's.
  CHECK_EQ_INT(args->data[0].of.i32, state->id);
  ++state->ticks;
  atomic_fetch_add_explicit(&total_ticks, 1, memory_order_relaxed);
  results->data[0] = val_i32(args->data[0].of.i32 + 1);
  return NULL;
}

static void* run_thread(void* arg) {
  thread_state* state = (thread_state*)arg;
  wasm_store_t* store = wasm_store_new(state->engine);
  CHECK(store != NULL);
  wasm_module_t* module = wasm_module_obtain(store, state->shared);
  CHECK(module != NULL);

  wasm_exporttype_vec_t export_types;
  wasm_module_exports(module, &export_types);
  CHECK_EQ_UINT(export_types.size, 2);
  wasm_exporttype_vec_delete(&export_types);

  wasm_functype_t* tick_type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_globaltype_t* id_type = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);

  for (int k = 0; k < N_INSTANCES; ++k) {
    wasm_func_t* tick_func = wasm_func_new_with_env(store, tick_type, tick, state, NULL);
    wasm_val_t id = val_i32(state->id);
    wasm_global_t* id_global = wasm_global_new(store, id_type, &id);
    CHECK(tick_func != NULL && id_global != NULL);
    wasm_extern_t* externs[] = {wasm_func_as_extern(tick_func), wasm_global_as_extern(id_global)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
    wasm_trap_t* trap = NULL;
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
    CHECK(instance != NULL);
    CHECK(trap == NULL);

    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    CHECK_EQ_UINT(exports.size, 2);
    wasm_global_t* runs = wasm_extern_as_global(exports.data[0]);
    wasm_func_t* run = wasm_extern_as_func(exports.data[1]);
    CHECK(runs != NULL && run != NULL);

    for (int c = 0; c < N_CALLS; ++c) {
      wasm_val_t args[1] = {WASM_I32_VAL(N_TICKS)};
      wasm_val_t results[1] = {WASM_INIT_VAL};
      CALL_OK(run, args, 1, results, 1);
      CHECK_EQ_INT(results[0].kind, WASM_I32);
      CHECK_EQ_INT(results[0].of.i32, N_TICKS * (state->id + 1));
    }
    // This instance's global counted this instance's runs only.
    wasm_val_t runs_value;
    wasm_global_get(runs, &runs_value);
    CHECK_EQ_INT(runs_value.of.i32, N_CALLS);

    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
    wasm_func_delete(tick_func);
    wasm_global_delete(id_global);
  }

  wasm_functype_delete(tick_type);
  wasm_globaltype_delete(id_type);
  wasm_module_delete(module);
  wasm_store_delete(store);
  state->done = 1;
  return NULL;
}

int main(int argc, char** argv) {
  atomic_init(&total_ticks, 0);
  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine != NULL);

  // Compile in a store of its own, share, and let that store go.
  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);
  wasm_shared_module_t* shared = wasm_module_share(module);
  CHECK(shared != NULL);
  wasm_module_delete(module);
  wasm_store_delete(store);

  thread_state states[N_THREADS];
  pthread_t threads[N_THREADS];
  for (int i = 0; i < N_THREADS; ++i) {
    states[i].engine = engine;
    states[i].shared = shared;
    states[i].id = i;
    states[i].ticks = 0;
    states[i].done = 0;
    CHECK(pthread_create(&threads[i], NULL, run_thread, &states[i]) == 0);
  }
  for (int i = 0; i < N_THREADS; ++i) CHECK(pthread_join(threads[i], NULL) == 0);

  // Every call was counted, by every thread.
  const long per_thread = (long)N_INSTANCES * N_CALLS * N_TICKS;
  for (int i = 0; i < N_THREADS; ++i) {
    CHECK_EQ_INT(states[i].done, 1);
    CHECK_EQ_INT(states[i].ticks, per_thread);
  }
  CHECK_EQ_INT(atomic_load(&total_ticks), N_THREADS * per_thread);

  // The shared module still makes modules after the threads are done.
  {
    wasm_store_t* store2 = wasm_store_new(engine);
    wasm_module_t* again = wasm_module_obtain(store2, shared);
    CHECK(again != NULL);
    wasm_importtype_vec_t imports;
    wasm_module_imports(again, &imports);
    CHECK_EQ_UINT(imports.size, 2);
    wasm_importtype_vec_delete(&imports);
    wasm_module_delete(again);
    wasm_store_delete(store2);
  }

  wasm_shared_module_delete(shared);
  wasm_engine_delete(engine);
  return pass("threads");
}
