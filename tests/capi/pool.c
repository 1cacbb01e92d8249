// pool: linear memories come from a process-wide pool of reservations and,
// for a module with data segments, from a copy-on-write image of its initial
// memory. Checks that a reused memory never shows what an earlier guest
// wrote: the data segments read as initialised, everything else as zero,
// the size is the initial one again after growth, and a module without an
// image that gets a slot an image was mapped in reads zeros.
#include "check.h"

// (module (memory (export "memory") 1)
//   (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))
static const unsigned char plain_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                    // header
    0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,                    // type: [i32] -> [i32]
    0x03, 0x02, 0x01, 0x00,                                            // function 0: type 0
    0x05, 0x03, 0x01, 0x00, 0x01,                                      // memory: min 1
    0x07, 0x11, 0x02, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,  // export "memory"
    0x04, 'l', 'o', 'a', 'd', 0x00, 0x00,                              // export "load"
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b,  // local.get 0, i32.load8_u
};

static const char kInitial[] = "initial data";
enum { PAGE = 65536, DATA = 16 };

typedef struct {
  wasm_store_t* store;
  wasm_instance_t* instance;
  wasm_extern_vec_t exports;
} Running;

static void start(Running* r, wasm_engine_t* engine, const wasm_shared_module_t* shared) {
  r->store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_obtain(r->store, shared);
  CHECK(module != NULL);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  r->instance = wasm_instance_new(r->store, module, &imports, NULL);
  CHECK(r->instance != NULL);
  wasm_instance_exports(r->instance, &r->exports);
  wasm_module_delete(module);
}

static void stop(Running* r) {
  wasm_extern_vec_delete(&r->exports);
  wasm_instance_delete(r->instance);
  wasm_store_delete(r->store);
}

static int32_t load(const Running* r, size_t func, int32_t address) {
  wasm_val_t args[1] = {val_i32(address)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(wasm_extern_as_func(r->exports.data[func]), args, 1, results, 1);
  return results[0].of.i32;
}

static void store8(const Running* r, int32_t address, int32_t value) {
  wasm_val_t args[2] = {val_i32(address), val_i32(value)};
  CALL_OK(wasm_extern_as_func(r->exports.data[2]), args, 2, NULL, 0);
}

// Exports of pool.wat: memory 0, load 1, store 2, grow 3, size 4.
static void check_fresh_pool_instance(const Running* r) {
  for (int i = 0; kInitial[i]; ++i) CHECK_EQ_INT(load(r, 1, DATA + i), (unsigned char)kInitial[i]);
  CHECK_EQ_INT(load(r, 1, 0), 0);
  CHECK_EQ_INT(load(r, 1, 1000), 0);
  CHECK_EQ_INT(load(r, 1, PAGE - 1), 0);
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(wasm_extern_as_func(r->exports.data[4]), NULL, 0, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 1);
  wasm_val_t args[1] = {val_i32(PAGE)};
  CHECK_TRAPS(wasm_extern_as_func(r->exports.data[1]), args, 1, 1);  // the second page is gone again
}

// Writes over the data, beyond it, grows the memory and writes there.
static void scribble(const Running* r, int32_t value) {
  for (int i = 0; i < 12; ++i) store8(r, DATA + i, value);
  store8(r, 0, value);
  store8(r, 1000, value);
  store8(r, PAGE - 1, value);
  wasm_val_t args[1] = {val_i32(2)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(wasm_extern_as_func(r->exports.data[3]), args, 1, results, 1);
  CHECK_EQ_INT(results[0].of.i32, 1);
  store8(r, 3 * PAGE - 1, value);
  CHECK_EQ_INT(load(r, 1, 3 * PAGE - 1), value);
  CHECK_EQ_INT(load(r, 1, DATA), value);
}

int main(int argc, char** argv) {
  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_t plain_bytes;
  wasm_byte_vec_new(&plain_bytes, sizeof plain_wasm, (const wasm_byte_t*)plain_wasm);
  wasm_module_t* plain = wasm_module_new(store, &plain_bytes);
  CHECK(plain != NULL);
  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_shared_module_t* shared_plain = wasm_module_share(plain);
  wasm_module_delete(module);
  wasm_module_delete(plain);
  wasm_store_delete(store);

  for (int round = 0; round < 50; ++round) {
    // Several at once, each writing its own value: independent memories.
    Running r[3];
    for (int i = 0; i < 3; ++i) {
      start(&r[i], engine, shared);
      check_fresh_pool_instance(&r[i]);
    }
    for (int i = 0; i < 3; ++i) scribble(&r[i], 0x40 + i);
    for (int i = 0; i < 3; ++i) CHECK_EQ_INT(load(&r[i], 1, 1000), 0x40 + i);
    for (int i = 0; i < 3; ++i) stop(&r[i]);

    // A module without an image in the slots just used: zeros, one page.
    if (round % 2 == 1) {
      Running p;
      start(&p, engine, shared_plain);
      for (int a = 0; a < 64; ++a) CHECK_EQ_INT(load(&p, 1, a), 0);
      CHECK_EQ_INT(load(&p, 1, 1000), 0);
      CHECK_EQ_INT(load(&p, 1, PAGE - 1), 0);
      wasm_memory_t* memory = wasm_extern_as_memory(p.exports.data[0]);
      CHECK_EQ_UINT(wasm_memory_data_size(memory), PAGE);
      memset(wasm_memory_data(memory), 0x5a, PAGE);  // dirty it for the next round's instances
      stop(&p);
    }
  }

  wasm_shared_module_delete(shared);
  wasm_shared_module_delete(shared_plain);
  wasm_byte_vec_delete(&plain_bytes);
  wasm_byte_vec_delete(&binary);
  wasm_engine_delete(engine);
  return pass("pool");
}
