/* A server's use of Kiln from C, in miniature: load a module compiled ahead
 * of time once, then serve requests on a pool of threads, each request in a
 * store of its own with a memory limit, a stack budget and a timeout, through
 * the standard WebAssembly C API (wasm.h) and Kiln's extensions (kiln/kiln.h).
 * docs/embedding.md walks through this file.
 *
 *   kiln compile --emit=shared guest.wat -o guest.so
 *   kiln-embed ./guest.so 1000 4            # 1000 requests on 4 threads
 *
 * Built against an installed Kiln: see CMakeLists.txt (find_package(Kiln))
 * or `cc embed.c $(pkg-config --cflags --libs kiln) -lpthread`. */
#include <kiln/kiln.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasm.h>

static wasm_engine_t* engine;
static wasm_shared_module_t* shared_module;
static int requests;
static atomic_int next_request, ok, interrupted, trapped, failed;
static atomic_long total;

/* The host function the guest imports as env.add_to_total(i32). Its env is
 * the request's own total; a host function reports failure by returning a
 * trap, never by jumping over the host's frames. */
static wasm_trap_t* add_to_total(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)results;
  long* request_total = env;
  *request_total += args->data[0].of.i32;
  atomic_fetch_add(&total, args->data[0].of.i32);
  return NULL;
}

static void serve_one(int request) {
  /* 1. One store per request; the engine's config bounds it (see main). */
  wasm_store_t* store = wasm_store_new(engine);
  kiln_store_set_timeout(store, 100 * 1000 * 1000); /* 100 ms */
  wasm_module_t* module = wasm_module_obtain(store, shared_module);

  /* 2. Imports are given in the module's order. */
  long request_total = 0;
  wasm_functype_t* type = wasm_functype_new_1_0(wasm_valtype_new_i32());
  wasm_func_t* add = wasm_func_new_with_env(store, type, add_to_total, &request_total, NULL);
  wasm_functype_delete(type);
  wasm_extern_t* imports_data[] = {wasm_func_as_extern(add)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_data);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  if (!instance) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    fprintf(stderr, "embed: request %d: %s\n", request, message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
    atomic_fetch_add(&failed, 1);
  } else {
    /* 3. Call the export "handle" (the only one). */
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    const wasm_func_t* handle = exports.size == 1 ? wasm_extern_as_func(exports.data[0]) : NULL;
    if (!handle) {
      atomic_fetch_add(&failed, 1);
    } else {
      wasm_val_t args_data[1] = {WASM_I32_VAL(request)};
      wasm_val_vec_t args = WASM_ARRAY_VEC(args_data);
      wasm_val_vec_t results = WASM_EMPTY_VEC;
      trap = wasm_func_call(handle, &args, &results);
      if (!trap)
        atomic_fetch_add(&ok, 1);
      else if (strcmp(kiln_trap_kind(trap), "interrupted") == 0)
        atomic_fetch_add(&interrupted, 1);
      else
        atomic_fetch_add(&trapped, 1);
      wasm_trap_delete(trap);
    }
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  /* 4. Dropping the store drops everything the request made. */
  wasm_func_delete(add);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

static void* serve(void* unused) {
  (void)unused;
  for (int request; (request = atomic_fetch_add(&next_request, 1)) < requests;) serve_one(request);
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODULE.so [REQUESTS] [THREADS]\n", argv[0]);
    return 2;
  }
  requests = argc > 2 ? atoi(argv[2]) : 100;
  int threads = argc > 3 ? atoi(argv[3]) : 4;
  if (threads < 1 || threads > 64) threads = 4;

  /* Limits for an untrusted guest, for every store of the engine. */
  wasm_config_t* config = wasm_config_new();
  kiln_config_max_memory(config, 16 << 20);
  kiln_config_max_stack(config, 256 << 10);
  kiln_config_require_interruptible(config, true); /* refuse code a timeout could not stop */
  engine = wasm_engine_new_with_config(config);

  /* Load the precompiled module once; every store obtains it. */
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = NULL;
  kiln_error_t* error = kiln_module_load(store, argv[1], &module);
  if (error) {
    fprintf(stderr, "embed: %s\n", kiln_error_message(error));
    kiln_error_delete(error);
    return 1;
  }
  shared_module = wasm_module_share(module);
  wasm_module_delete(module);
  wasm_store_delete(store);

  pthread_t pool[64];
  for (int t = 0; t < threads; ++t) pthread_create(&pool[t], NULL, serve, NULL);
  for (int t = 0; t < threads; ++t) pthread_join(pool[t], NULL);
  printf("%d requests: %d ok, %d interrupted, %d trapped, %d failed; total %ld\n", requests, atomic_load(&ok),
         atomic_load(&interrupted), atomic_load(&trapped), atomic_load(&failed), atomic_load(&total));
  wasm_shared_module_delete(shared_module);
  wasm_engine_delete(engine);
  return atomic_load(&failed) == 0 ? 0 : 1;
}
