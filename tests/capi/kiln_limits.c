// kiln_limits: Kiln's C extensions for bounding a guest (kiln/kiln.h).
//
//  (a) kiln_config_max_memory: memory.grow past the limit returns -1 to the
//      guest, kiln_store_memory_bytes follows, and a module whose initial
//      memory passes the limit fails wasm_instance_new with a trap.
//  (b) kiln_config_max_instances: the instance past the limit fails.
//  (c) kiln_store_set_timeout: a guest looping forever traps "interrupted",
//      a call after the deadline traps at once, and after
//      kiln_store_clear_timeout calls run again; a deadline far away (up to
//      UINT64_MAX ns) stops nothing.
//  (d) kiln_store_interrupt_handle: another thread interrupts a guest looping
//      forever (trap "interrupted"); the store stays interrupted; the handle
//      outlives the store.
//  (e) fuel: the module compiled with `kiln compile --emit=shared --fuel`
//      (the kiln binary is argv[2]) and loaded with kiln_module_load; a store
//      of an engine with kiln_config_fuel starts with that fuel, a long loop
//      traps "out_of_fuel", kiln_store_set_fuel refills; stores without fuel
//      report none and run the metered module unmetered, and refuse nothing;
//      a fuel store refuses a module compiled without metering.
//  Errors of kiln_module_load (missing file, not a shared object),
//  kiln_module_load_bytes and kiln_module_compile.
//
// Usage: capi_kiln_limits kiln_limits.wasm path/to/kiln

#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <kiln/kiln.h>

#include "check.h"

#define PAGE 65536u

// (module (memory 3)): more initial memory than the 2 pages of (a).
static const unsigned char big_memory_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
  0x05, 0x03, 0x01, 0x00, 0x03,                    // memory: min 3 pages, no max
};

static double now_ms(void) {
  struct timespec ts;
  CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

// An instance of `module` in `store`, which must succeed.
static wasm_instance_t* instantiate(wasm_store_t* store, const wasm_module_t* module) {
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, &trap);
  if (!instance) {
    char* text = trap ? TRAP_TEXT(trap) : NULL;
    CHECK_MSG(instance != NULL, "instantiation failed: %s", text ? text : "(no trap)");
  }
  CHECK(trap == NULL);
  return instance;
}

// Checks that `trap` is a well-formed trap of kind `kind`, not an exit, and
// deletes it.
static void check_trap_kind_(const char* file, int line, wasm_trap_t* trap, const char* kind) {
  if (!trap) check_fail_(file, line, "a trap is returned");
  free(trap_text_(file, line, trap));
  check_str_(file, line, "kiln_trap_kind(trap)", "kind", kiln_trap_kind(trap), kind);
  int status = -1;
  if (kiln_trap_exit_status(trap, &status)) check_fail_(file, line, "the trap is not an exit");
  check_int_(file, line, "status (untouched)", "-1", status, -1);
  wasm_trap_delete(trap);
}
#define CHECK_TRAP_KIND(trap, kind) check_trap_kind_(__FILE__, __LINE__, (trap), (kind))

static int32_t call_i(const wasm_func_t* func) {
  wasm_val_t result = WASM_INIT_VAL;
  CALL_OK(func, NULL, 0, &result, 1);
  CHECK_EQ_INT(result.kind, WASM_I32);
  return result.of.i32;
}

static int32_t call_i_i(const wasm_func_t* func, int32_t arg) {
  wasm_val_t args[1] = {val_i32(arg)};
  CALL_OK(func, args, 1, args, 1);
  CHECK_EQ_INT(args[0].kind, WASM_I32);
  return args[0].of.i32;
}

// The exports of kiln_limits.wat, from one instance.
typedef struct guest {
  wasm_extern_vec_t exports;
  wasm_func_t* grow;
  wasm_func_t* size;
  wasm_func_t* forever;
  wasm_func_t* ok;
  wasm_func_t* count;
} guest;

static void guest_init(guest* g, const wasm_module_t* module, const wasm_instance_t* instance) {
  wasm_instance_exports(instance, &g->exports);
  g->grow = EXPORT_FUNC(module, &g->exports, "grow");
  g->size = EXPORT_FUNC(module, &g->exports, "size");
  g->forever = EXPORT_FUNC(module, &g->exports, "forever");
  g->ok = EXPORT_FUNC(module, &g->exports, "ok");
  g->count = EXPORT_FUNC(module, &g->exports, "count");
}

static wasm_module_t* compile(wasm_store_t* store, const wasm_byte_vec_t* binary) {
  wasm_module_t* module = wasm_module_new(store, binary);
  CHECK(module != NULL);
  return module;
}

// ---------------------------------------------------------------------------
// (a) memory

static void test_max_memory(const wasm_byte_vec_t* binary) {
  wasm_config_t* config = wasm_config_new();
  CHECK(config != NULL);
  kiln_config_max_memory(config, 2 * PAGE);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  CHECK_EQ_UINT(kiln_store_memory_bytes(store), 0);

  wasm_module_t* module = compile(store, binary);
  wasm_instance_t* instance = instantiate(store, module);
  guest g;
  guest_init(&g, module, instance);
  CHECK_EQ_UINT(kiln_store_memory_bytes(store), PAGE);
  CHECK_EQ_INT(call_i(g.size), 1);
  // 1 -> 2 pages: at the limit, allowed.
  CHECK_EQ_INT(call_i_i(g.grow, 1), 1);
  CHECK_EQ_INT(call_i(g.size), 2);
  CHECK_EQ_UINT(kiln_store_memory_bytes(store), 2 * PAGE);
  // Past it: -1 to the guest, nothing changes.
  CHECK_EQ_INT(call_i_i(g.grow, 1), -1);
  CHECK_EQ_INT(call_i_i(g.grow, 100), -1);
  CHECK_EQ_INT(call_i(g.size), 2);
  CHECK_EQ_UINT(kiln_store_memory_bytes(store), 2 * PAGE);
  // Growing by 0 is not growing.
  CHECK_EQ_INT(call_i_i(g.grow, 0), 2);
  // The memory seen from the host agrees.
  wasm_memory_t* memory = EXPORT_MEMORY(module, &g.exports, "memory");
  CHECK_EQ_UINT(wasm_memory_size(memory), 2);
  CHECK(!wasm_memory_grow(memory, 1));
  CHECK_EQ_UINT(wasm_memory_size(memory), 2);

  // A module that needs 3 pages from the start (in a store of its own, and
  // in the store already at its limit).
  wasm_byte_vec_t big_bytes;
  wasm_byte_vec_new(&big_bytes, sizeof big_memory_wasm, (const wasm_byte_t*)big_memory_wasm);
  for (int round = 0; round < 2; ++round) {
    wasm_store_t* target = round == 0 ? wasm_store_new(engine) : store;
    CHECK(target != NULL);
    uint64_t before = kiln_store_memory_bytes(target);
    wasm_module_t* big = wasm_module_new(target, &big_bytes);
    CHECK(big != NULL);
    wasm_trap_t* trap = NULL;
    wasm_instance_t* refused = wasm_instance_new(target, big, NULL, &trap);
    CHECK(refused == NULL);
    CHECK(trap != NULL);
    char* text = TRAP_TEXT(trap);  // non-empty, NUL-terminated
    printf("initial memory past the limit: %s\n", text);
    free(text);
    wasm_trap_delete(trap);
    CHECK_EQ_UINT(kiln_store_memory_bytes(target), before);
    wasm_module_delete(big);
    if (target != store) wasm_store_delete(target);
  }
  wasm_byte_vec_delete(&big_bytes);

  // The store still works.
  CHECK_EQ_INT(call_i(g.ok), 42);

  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

// ---------------------------------------------------------------------------
// (b) instances

static void test_max_instances(const wasm_byte_vec_t* binary) {
  wasm_config_t* config = wasm_config_new();
  CHECK(config != NULL);
  kiln_config_max_instances(config, 2);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  wasm_module_t* module = compile(store, binary);

  wasm_instance_t* first = instantiate(store, module);
  wasm_instance_t* second = instantiate(store, module);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* third = wasm_instance_new(store, module, NULL, &trap);
  CHECK(third == NULL);
  CHECK(trap != NULL);
  char* text = TRAP_TEXT(trap);
  printf("third instance: %s\n", text);
  free(text);
  wasm_trap_delete(trap);

  // The two instances still run.
  guest g1, g2;
  guest_init(&g1, module, first);
  guest_init(&g2, module, second);
  CHECK_EQ_INT(call_i(g1.ok), 42);
  CHECK_EQ_INT(call_i(g2.ok), 42);
  // Each has a memory of its own.
  CHECK_EQ_INT(call_i_i(g1.grow, 1), 1);
  CHECK_EQ_INT(call_i(g1.size), 2);
  CHECK_EQ_INT(call_i(g2.size), 1);

  // Another store of the same engine has its own count.
  wasm_store_t* other = wasm_store_new(engine);
  CHECK(other != NULL);
  wasm_module_t* other_module = compile(other, binary);
  wasm_instance_t* other_instance = instantiate(other, other_module);
  wasm_instance_delete(other_instance);
  wasm_module_delete(other_module);
  wasm_store_delete(other);

  wasm_extern_vec_delete(&g1.exports);
  wasm_extern_vec_delete(&g2.exports);
  wasm_instance_delete(first);
  wasm_instance_delete(second);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

// ---------------------------------------------------------------------------
// (c) timeouts

static void test_timeout(wasm_engine_t* engine, const wasm_byte_vec_t* binary) {
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  wasm_module_t* module = compile(store, binary);
  wasm_instance_t* instance = instantiate(store, module);
  guest g;
  guest_init(&g, module, instance);

  // A deadline far away stops nothing.
  kiln_store_set_timeout(store, 3600ull * 1000000000ull);
  CHECK_EQ_INT(call_i(g.ok), 42);
  CHECK_EQ_INT(call_i_i(g.count, 100000), 100000);
  for (int round = 0; round < 2; ++round) {
    double start = now_ms();
    kiln_store_set_timeout(store, 50ull * 1000000ull);
    wasm_trap_t* trap = CALL_TRAP(g.forever, NULL, 0, 0);
    double elapsed = now_ms() - start;
    CHECK_TRAP_KIND(trap, "interrupted");
    printf("timeout %d: interrupted after %.1f ms\n", round, elapsed);
    CHECK_MSG(elapsed >= 45.0, "stopped after %.1f ms, before the 50 ms deadline", elapsed);
    CHECK_MSG(elapsed < 10000.0, "stopped only after %.1f ms", elapsed);

    // The deadline has passed: a call traps at once, even one without a loop.
    CHECK_TRAP_KIND(CALL_TRAP(g.ok, NULL, 0, 1), "interrupted");

    // Cleared, the store runs again (the next round sets a new deadline).
    kiln_store_clear_timeout(store);
    CHECK_EQ_INT(call_i(g.ok), 42);
    CHECK_EQ_INT(call_i_i(g.count, 1000), 1000);
  }

  // A deadline already past (the deadline clock counts milliseconds: wait
  // a few): the first call traps at once.
  kiln_store_set_timeout(store, 1000000ull);
  sleep_ms(5);
  CHECK_TRAP_KIND(CALL_TRAP(g.ok, NULL, 0, 1), "interrupted");
  // Replaced by a later one, calls run again.
  kiln_store_set_timeout(store, 3600ull * 1000000000ull);
  CHECK_EQ_INT(call_i(g.ok), 42);
  kiln_store_clear_timeout(store);
  CHECK_EQ_INT(call_i(g.ok), 42);

  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

// Deadlines as far as kiln_store_set_timeout's argument allows (UINT64_MAX
// ns: 584 years; INT64_MAX ns: 292 years) stop nothing. Run last (it fails
// at the time of writing: see the note in main).
static void test_far_timeouts(wasm_engine_t* engine, const wasm_byte_vec_t* binary) {
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  wasm_module_t* module = compile(store, binary);
  wasm_instance_t* instance = instantiate(store, module);
  guest g;
  guest_init(&g, module, instance);
  // Every value is tried, then the check.
  const uint64_t far[] = {(uint64_t)INT64_MAX / 2, (uint64_t)INT64_MAX - 1000000000ull * 86400 * 366,
                          (uint64_t)INT64_MAX, UINT64_MAX};
  int stopped = 0;
  for (size_t i = 0; i < sizeof far / sizeof far[0]; ++i) {
    kiln_store_set_timeout(store, far[i]);
    wasm_val_t result = WASM_INIT_VAL;
    wasm_val_vec_t no_args = WASM_EMPTY_VEC;
    wasm_val_vec_t results = {1, &result};
    wasm_trap_t* trap = wasm_func_call(g.ok, &no_args, &results);
    if (trap) {
      ++stopped;
      fprintf(stderr, "kiln_store_set_timeout(store, %" PRIu64 "): the next call traps at once (%s)\n", far[i],
              kiln_trap_kind(trap));
      wasm_trap_delete(trap);
    } else {
      CHECK_EQ_INT(result.of.i32, 42);
    }
    kiln_store_clear_timeout(store);
  }
  CHECK_MSG(stopped == 0, "%d of the far deadlines stopped a call at once", stopped);
  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

// ---------------------------------------------------------------------------
// (d) interrupt handles

typedef struct interrupter {
  kiln_interrupt_handle_t* handle;
  long delay_ms;
} interrupter;

static void* interrupt_later(void* arg) {
  interrupter* it = (interrupter*)arg;
  sleep_ms(it->delay_ms);
  kiln_interrupt_handle_interrupt(it->handle);
  return NULL;
}

static void test_interrupt(wasm_engine_t* engine, const wasm_byte_vec_t* binary) {
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  wasm_module_t* module = compile(store, binary);
  wasm_instance_t* instance = instantiate(store, module);
  guest g;
  guest_init(&g, module, instance);

  kiln_interrupt_handle_t* handle = kiln_store_interrupt_handle(store);
  kiln_interrupt_handle_t* early = kiln_store_interrupt_handle(store);  // deleted before the store
  CHECK(handle != NULL && early != NULL);
  // Taking handles interrupts nothing.
  CHECK_EQ_INT(call_i(g.ok), 42);

  interrupter it = {handle, 50};
  pthread_t thread;
  double start = now_ms();
  CHECK(pthread_create(&thread, NULL, interrupt_later, &it) == 0);
  wasm_trap_t* trap = CALL_TRAP(g.forever, NULL, 0, 0);
  double elapsed = now_ms() - start;
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK_TRAP_KIND(trap, "interrupted");
  printf("interrupt: trapped after %.1f ms\n", elapsed);
  CHECK_MSG(elapsed < 10000.0, "stopped only after %.1f ms", elapsed);

  // An interrupted store stays interrupted (kiln.h: the guest traps at its
  // next call; kiln.hpp: and every later call), whatever its deadline.
  CHECK_TRAP_KIND(CALL_TRAP(g.ok, NULL, 0, 1), "interrupted");
  kiln_store_clear_timeout(store);
  CHECK_TRAP_KIND(CALL_TRAP(g.ok, NULL, 0, 1), "interrupted");
  kiln_store_set_timeout(store, 3600ull * 1000000000ull);
  CHECK_TRAP_KIND(CALL_TRAP(g.ok, NULL, 0, 1), "interrupted");

  // Interrupting again is harmless.
  kiln_interrupt_handle_interrupt(early);
  kiln_interrupt_handle_delete(early);

  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);

  // The handle outlives the store: interrupting now does nothing.
  kiln_interrupt_handle_interrupt(handle);
  kiln_interrupt_handle_interrupt(handle);
  kiln_interrupt_handle_delete(handle);

  // A fresh store of the same engine is not interrupted, and a handle of
  // it interrupting from this thread before the call stops the call.
  store = wasm_store_new(engine);
  CHECK(store != NULL);
  module = compile(store, binary);
  instance = instantiate(store, module);
  guest_init(&g, module, instance);
  CHECK_EQ_INT(call_i(g.ok), 42);
  handle = kiln_store_interrupt_handle(store);
  CHECK(handle != NULL);
  kiln_interrupt_handle_interrupt(handle);
  CHECK_TRAP_KIND(CALL_TRAP(g.forever, NULL, 0, 0), "interrupted");
  CHECK_TRAP_KIND(CALL_TRAP(g.ok, NULL, 0, 1), "interrupted");
  kiln_interrupt_handle_delete(handle);  // before the store, this time
  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

// ---------------------------------------------------------------------------
// (e) fuel, and loading precompiled modules

// `text` in single quotes for the shell.
static void shell_quote(char* out, size_t cap, const char* text) {
  size_t n = 0;
  CHECK(cap > 3);
  out[n++] = '\'';
  for (const char* p = text; *p; ++p) {
    if (*p == '\'') {
      CHECK(n + 5 < cap);
      memcpy(out + n, "'\\''", 4);
      n += 4;
    } else {
      CHECK(n + 2 < cap);
      out[n++] = *p;
    }
  }
  out[n++] = '\'';
  out[n] = '\0';
}

static void test_fuel(wasm_engine_t* plain_engine, const wasm_byte_vec_t* binary, const char* wasm_path,
                      const char* kiln_path) {
  // kiln compile --emit=shared --fuel X.wasm -o X.<pid>.fuel.so
  char so_path[4096];
  CHECK(snprintf(so_path, sizeof so_path, "%s.%ld.fuel.so", wasm_path, (long)getpid()) < (int)sizeof so_path);
  char q_kiln[4200], q_wasm[4200], q_so[4200], command[13000];
  shell_quote(q_kiln, sizeof q_kiln, kiln_path);
  shell_quote(q_wasm, sizeof q_wasm, wasm_path);
  shell_quote(q_so, sizeof q_so, so_path);
  snprintf(command, sizeof command, "%s compile --emit=shared --fuel %s -o %s", q_kiln, q_wasm, q_so);
  printf("running: %s\n", command);
  fflush(stdout);
  int rc = system(command);
  CHECK_MSG(rc == 0, "`%s` failed (system: %d)", command, rc);
  CHECK(access(so_path, R_OK) == 0);

  // An engine whose stores start with 1000 units of fuel.
  wasm_config_t* config = wasm_config_new();
  CHECK(config != NULL);
  kiln_config_fuel(config, 1000);
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  CHECK(engine != NULL);
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);
  uint64_t fuel = 0;
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, 1000);

  wasm_module_t* module = NULL;
  kiln_error_t* error = kiln_module_load(store, so_path, &module);
  CHECK_MSG(error == NULL, "kiln_module_load: %s", error ? kiln_error_message(error) : "");
  CHECK(module != NULL);
  wasm_instance_t* instance = instantiate(store, module);
  guest g;
  guest_init(&g, module, instance);
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, 1000);  // instantiation runs no guest code here

  // A short loop uses some fuel, a longer one more.
  CHECK_EQ_INT(call_i_i(g.count, 10), 10);
  uint64_t after_10 = 0;
  CHECK(kiln_store_fuel(store, &after_10));
  CHECK_MSG(after_10 > 0 && after_10 < 1000, "fuel after count(10): %" PRIu64, after_10);
  uint64_t cost_10 = 1000 - after_10;
  CHECK_EQ_INT(call_i_i(g.count, 20), 20);
  uint64_t after_20 = 0;
  CHECK(kiln_store_fuel(store, &after_20));
  CHECK_MSG(after_20 < after_10 && after_10 - after_20 > cost_10,
            "count(10) cost %" PRIu64 ", count(20) cost %" PRIu64, cost_10, after_10 - after_20);
  printf("fuel: count(10) cost %" PRIu64 ", count(20) cost %" PRIu64 "\n", cost_10, after_10 - after_20);

  // A long loop runs out.
  CHECK_TRAP_KIND(CALL_TRAP(g.count, (wasm_val_t[]){val_i32(100000000)}, 1, 1), "out_of_fuel");
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, 0);
  // Without fuel even a call that costs little traps.
  CHECK_TRAP_KIND(CALL_TRAP(g.count, (wasm_val_t[]){val_i32(10)}, 1, 1), "out_of_fuel");

  // Refilled, the store runs again; the same call costs the same.
  CHECK(kiln_store_set_fuel(store, 1000));
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, 1000);
  CHECK_EQ_INT(call_i_i(g.count, 10), 10);
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, after_10);
  // Enough for the long loop this time.
  CHECK(kiln_store_set_fuel(store, 4000000000ull));
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, 4000000000ull);
  CHECK_EQ_INT(call_i_i(g.count, 100000000), 100000000);
  CHECK(kiln_store_fuel(store, &fuel));
  CHECK_MSG(fuel < 4000000000ull - 100000000ull, "count(100000000) left %" PRIu64, fuel);
  CHECK_EQ_INT(call_i(g.ok), 42);

  // Another store of the engine starts with its own 1000.
  wasm_store_t* second = wasm_store_new(engine);
  CHECK(second != NULL);
  CHECK(kiln_store_fuel(second, &fuel));
  CHECK_EQ_UINT(fuel, 1000);
  // It refuses a module compiled without metering.
  wasm_module_t* unmetered = compile(second, binary);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* refused = wasm_instance_new(second, unmetered, NULL, &trap);
  CHECK(refused == NULL);
  CHECK(trap != NULL);
  char* text = TRAP_TEXT(trap);
  printf("unmetered module in a fuel store: %s\n", text);
  free(text);
  wasm_trap_delete(trap);
  wasm_module_delete(unmetered);
  // The metered module from its bytes (kiln_module_load_bytes takes the
  // shared object as kiln_module_load does).
  FILE* file = fopen(so_path, "rb");
  CHECK(file != NULL);
  CHECK(fseek(file, 0L, SEEK_END) == 0);
  long so_size = ftell(file);
  CHECK(so_size > 4);
  CHECK(fseek(file, 0L, SEEK_SET) == 0);
  wasm_byte_vec_t so_bytes;
  wasm_byte_vec_new_uninitialized(&so_bytes, (size_t)so_size);
  CHECK(fread(so_bytes.data, (size_t)so_size, 1, file) == 1);
  fclose(file);
  wasm_module_t* from_bytes = NULL;
  error = kiln_module_load_bytes(second, &so_bytes, &from_bytes);
  CHECK_MSG(error == NULL, "kiln_module_load_bytes: %s", error ? kiln_error_message(error) : "");
  CHECK(from_bytes != NULL);
  wasm_byte_vec_delete(&so_bytes);
  wasm_instance_t* second_instance = instantiate(second, from_bytes);
  guest g2;
  guest_init(&g2, from_bytes, second_instance);
  CHECK_TRAP_KIND(CALL_TRAP(g2.forever, NULL, 0, 0), "out_of_fuel");
  CHECK(kiln_store_fuel(second, &fuel));
  CHECK_EQ_UINT(fuel, 0);
  wasm_extern_vec_delete(&g2.exports);
  wasm_instance_delete(second_instance);
  wasm_module_delete(from_bytes);
  wasm_store_delete(second);

  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  // A store without fuel: none to report or set, and the metered module
  // runs unmetered.
  store = wasm_store_new(plain_engine);
  CHECK(store != NULL);
  fuel = 12345;
  CHECK(!kiln_store_fuel(store, &fuel));
  CHECK_EQ_UINT(fuel, 12345);
  CHECK(!kiln_store_set_fuel(store, 10));
  CHECK(!kiln_store_fuel(store, &fuel));
  error = kiln_module_load(store, so_path, &module);
  CHECK_MSG(error == NULL, "kiln_module_load: %s", error ? kiln_error_message(error) : "");
  instance = instantiate(store, module);
  guest_init(&g, module, instance);
  CHECK_EQ_INT(call_i_i(g.count, 1000000), 1000000);
  CHECK(!kiln_store_fuel(store, &fuel));
  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);

  CHECK(remove(so_path) == 0);
}

static void test_load_errors(wasm_engine_t* engine, const wasm_byte_vec_t* binary, const char* wasm_path) {
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(store != NULL);

  // A file that does not exist: the message names it.
  const char* missing = "/nonexistent-kiln-capi-dir/no-such-module.so";
  wasm_module_t* module = (wasm_module_t*)1;
  kiln_error_t* error = kiln_module_load(store, missing, &module);
  CHECK(error != NULL);
  CHECK(module == NULL);
  const char* message = kiln_error_message(error);
  CHECK(message != NULL && message[0] != '\0');
  printf("missing file: %s\n", message);
  CHECK_MSG(strstr(message, missing) != NULL, "the message names %s: %s", missing, message);
  kiln_error_delete(error);

  // A file that is not a shared object (the .wasm itself).
  module = (wasm_module_t*)1;
  error = kiln_module_load(store, wasm_path, &module);
  CHECK(error != NULL);
  CHECK(module == NULL);
  message = kiln_error_message(error);
  CHECK(message != NULL && message[0] != '\0');
  printf("not a shared object: %s\n", message);
  CHECK_MSG(strstr(message, wasm_path) != NULL, "the message names %s: %s", wasm_path, message);
  kiln_error_delete(error);

  // Bytes that are neither a shared object nor wasm_module_serialize's.
  module = (wasm_module_t*)1;
  error = kiln_module_load_bytes(store, binary, &module);
  CHECK(error != NULL);
  CHECK(module == NULL);
  message = kiln_error_message(error);
  CHECK(message != NULL && message[0] != '\0');
  printf("load_bytes of a .wasm: %s\n", message);
  kiln_error_delete(error);

  // Garbage to compile.
  wasm_byte_vec_t garbage;
  wasm_byte_vec_new(&garbage, 12, "not wasm at all");
  module = (wasm_module_t*)1;
  error = kiln_module_compile(store, &garbage, &module);
  CHECK(error != NULL);
  CHECK(module == NULL);
  message = kiln_error_message(error);
  CHECK(message != NULL && message[0] != '\0');
  printf("compile of garbage: %s\n", message);
  kiln_error_delete(error);
  wasm_byte_vec_delete(&garbage);

  // And the real module compiles, and runs.
  module = NULL;
  error = kiln_module_compile(store, binary, &module);
  CHECK_MSG(error == NULL, "kiln_module_compile: %s", error ? kiln_error_message(error) : "");
  CHECK(module != NULL);
  wasm_instance_t* instance = instantiate(store, module);
  guest g;
  guest_init(&g, module, instance);
  CHECK_EQ_INT(call_i(g.ok), 42);
  wasm_extern_vec_delete(&g.exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

int main(int argc, char** argv) {
  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  CHECK_MSG(argc >= 3, "usage: %s kiln_limits.wasm path/to/kiln", argv[0]);

  test_max_memory(&binary);
  printf("max memory: done\n");
  test_max_instances(&binary);
  printf("max instances: done\n");

  wasm_engine_t* engine = wasm_engine_new();
  CHECK(engine != NULL);
  test_timeout(engine, &binary);
  printf("timeout: done\n");
  test_interrupt(engine, &binary);
  printf("interrupt: done\n");
  test_load_errors(engine, &binary, argv[1]);
  printf("load errors: done\n");
  test_fuel(engine, &binary, argv[1], argv[2]);
  printf("fuel: done\n");
  // Last, so that a failure here leaves the rest checked. At the time of
  // writing, timeouts of INT64_MAX ns and more interrupt at once:
  // kiln_store_set_timeout clamps to INT64_MAX ns, and Store::setTimeout
  // adds that to steady_clock::now(), which overflows.
  test_far_timeouts(engine, &binary);
  printf("far timeouts: done\n");
  wasm_engine_delete(engine);

  wasm_byte_vec_delete(&binary);
  return pass("kiln_limits");
}
