// memory: an exported memory and memories made by the host — size in pages
// and bytes, the data segment, host writes seen by the guest and guest writes
// seen by the host, growth by host and guest up to the maximum and not past
// it, and out-of-bounds accesses trapping (before and after growth).

#include "check.h"

#define PAGE 0x10000u

static int32_t call_i(const wasm_func_t* func, int32_t x) {
  wasm_val_t args[1] = {WASM_I32_VAL(x)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  return results[0].of.i32;
}

static int32_t call_v(const wasm_func_t* func) {
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, NULL, 0, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I32);
  return results[0].of.i32;
}

static int64_t call_i_l(const wasm_func_t* func, int32_t x) {
  wasm_val_t args[1] = {WASM_I32_VAL(x)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  CALL_OK(func, args, 1, results, 1);
  CHECK_EQ_INT(results[0].kind, WASM_I64);
  return results[0].of.i64;
}

static void call_ii(const wasm_func_t* func, int32_t x, int32_t y) {
  wasm_val_t args[2] = {WASM_I32_VAL(x), WASM_I32_VAL(y)};
  CALL_OK(func, args, 2, NULL, 0);
}

static void traps_i(const wasm_func_t* func, int32_t x, size_t nresults) {
  wasm_val_t args[1] = {WASM_I32_VAL(x)};
  CHECK_TRAPS(func, args, 1, nresults);
}

static void traps_ii(const wasm_func_t* func, int32_t x, int32_t y) {
  wasm_val_t args[2] = {WASM_I32_VAL(x), WASM_I32_VAL(y)};
  CHECK_TRAPS(func, args, 2, 0);
}

static void check_limits(const wasm_memory_t* memory, uint32_t min, uint32_t max) {
  wasm_memorytype_t* type = wasm_memory_type(memory);
  CHECK(type != NULL);
  CHECK_EQ_UINT(wasm_memorytype_limits(type)->min, min);
  CHECK_EQ_UINT(wasm_memorytype_limits(type)->max, max);
  wasm_memorytype_delete(type);
}

int main(int argc, char** argv) {
  wasm_engine_t* engine;
  wasm_store_t* store;
  wasm_module_t* module = new_engine_store_module(argc, argv, &engine, &store);

  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* memory = EXPORT_MEMORY(module, &exports, "memory");
  wasm_func_t* size = EXPORT_FUNC(module, &exports, "size");
  wasm_func_t* load8 = EXPORT_FUNC(module, &exports, "load8");
  wasm_func_t* load32 = EXPORT_FUNC(module, &exports, "load32");
  wasm_func_t* load64_offset = EXPORT_FUNC(module, &exports, "load64_offset");
  wasm_func_t* store8 = EXPORT_FUNC(module, &exports, "store8");
  wasm_func_t* store32 = EXPORT_FUNC(module, &exports, "store32");
  wasm_func_t* grow = EXPORT_FUNC(module, &exports, "grow");

  // Type and size.
  check_limits(memory, 2, 3);
  CHECK_EQ_UINT(wasm_memory_size(memory), 2);
  CHECK_EQ_UINT(wasm_memory_data_size(memory), 2 * PAGE);
  CHECK_EQ_INT(call_v(size), 2);

  // Initial contents: zero, and the data segment at 0x1000.
  byte_t* data = wasm_memory_data(memory);
  CHECK(data != NULL);
  CHECK_EQ_INT(data[0], 0);
  CHECK_EQ_INT(data[0x0fff], 0);
  CHECK_EQ_INT(data[0x1000], 1);
  CHECK_EQ_INT(data[0x1001], 2);
  CHECK_EQ_INT(data[0x1002], 3);
  CHECK_EQ_INT(data[0x1003], 4);
  CHECK_EQ_INT(data[0x1004], 0);
  CHECK_EQ_INT(data[2 * PAGE - 1], 0);
  CHECK_EQ_INT(call_i(load8, 0), 0);
  CHECK_EQ_INT(call_i(load8, 0x1000), 1);
  CHECK_EQ_INT(call_i(load8, 0x1003), 4);
  CHECK_EQ_UINT((uint32_t)call_i(load32, 0x1000), 0x04030201u);
  CHECK_EQ_INT(call_i(load8, 2 * PAGE - 1), 0);

  // Out of bounds: past the end, straddling the end, far past it, and
  // through a static offset.
  traps_i(load8, 2 * PAGE, 1);
  traps_i(load32, 2 * PAGE - 3, 1);
  traps_i(load32, 2 * PAGE - 1, 1);
  traps_i(load32, -1, 1);
  traps_i(load8, INT32_MIN, 1);
  traps_i(load64_offset, PAGE - 7, 1);
  traps_ii(store8, 2 * PAGE, 1);
  traps_ii(store32, 2 * PAGE - 2, 1);
  // In bounds, right at the end.
  CHECK_EQ_INT(call_i(load32, 2 * PAGE - 4), 0);
  CHECK_EQ_INT(call_i_l(load64_offset, PAGE - 8), 0);
  // A failed store wrote nothing.
  CHECK_EQ_INT(data[2 * PAGE - 2], 0);
  CHECK_EQ_INT(data[2 * PAGE - 1], 0);

  // Host writes, guest reads.
  data[0x1002] = 6;
  data[2 * PAGE - 1] = (byte_t)0x7f;
  CHECK_EQ_INT(call_i(load8, 0x1002), 6);
  CHECK_EQ_INT(call_i(load8, 2 * PAGE - 1), 0x7f);
  memcpy(data + 0x2000, "\x11\x22\x33\x44", 4);
  CHECK_EQ_UINT((uint32_t)call_i(load32, 0x2000), 0x44332211u);

  // Guest writes, host reads.
  call_ii(store8, 0x1002, 7);
  CHECK_EQ_INT(data[0x1002], 7);
  call_ii(store32, 0x3000, (int32_t)0xa1b2c3d4u);
  CHECK_EQ_UINT((uint8_t)data[0x3000], 0xd4);
  CHECK_EQ_UINT((uint8_t)data[0x3003], 0xa1);
  call_ii(store8, 2 * PAGE - 1, 5);
  CHECK_EQ_INT(data[2 * PAGE - 1], 5);

  // Growth by the host: the new page is zero and accessible; the old
  // contents stay (the data pointer may move, so it is read again).
  CHECK(wasm_memory_grow(memory, 1));
  CHECK_EQ_UINT(wasm_memory_size(memory), 3);
  CHECK_EQ_UINT(wasm_memory_data_size(memory), 3 * PAGE);
  CHECK_EQ_INT(call_v(size), 3);
  data = wasm_memory_data(memory);
  CHECK(data != NULL);
  CHECK_EQ_INT(data[0x1002], 7);
  CHECK_EQ_INT(data[2 * PAGE - 1], 5);
  CHECK_EQ_INT(data[2 * PAGE], 0);
  CHECK_EQ_INT(data[3 * PAGE - 1], 0);
  CHECK_EQ_INT(call_i(load8, 2 * PAGE), 0);
  CHECK_EQ_INT(call_i(load32, 2 * PAGE - 2), 5 << 8);
  call_ii(store8, 3 * PAGE - 1, 9);
  CHECK_EQ_INT(data[3 * PAGE - 1], 9);
  data[2 * PAGE + 10] = 12;
  CHECK_EQ_INT(call_i(load8, 2 * PAGE + 10), 12);
  traps_i(load8, 3 * PAGE, 1);
  traps_i(load32, 3 * PAGE - 2, 1);
  traps_ii(store8, 3 * PAGE, 1);

  // Past the maximum (3): growth fails and the size stays.
  CHECK(!wasm_memory_grow(memory, 1));
  CHECK_EQ_UINT(wasm_memory_size(memory), 3);
  CHECK(!wasm_memory_grow(memory, 0xffffffffu));
  CHECK_EQ_UINT(wasm_memory_size(memory), 3);
  CHECK_EQ_INT(call_i(grow, 1), -1);
  CHECK_EQ_INT(call_i(grow, 0x10000), -1);
  CHECK_EQ_UINT(wasm_memory_size(memory), 3);
  CHECK_EQ_UINT(wasm_memory_data_size(memory), 3 * PAGE);
  CHECK(wasm_memory_grow(memory, 0));
  CHECK_EQ_INT(call_i(grow, 0), 3);
  CHECK_EQ_UINT(wasm_memory_size(memory), 3);
  traps_i(load8, 3 * PAGE, 1);
  // The minimum is the current size (the spec's memory type after growth).
  check_limits(memory, 3, 3);

  // A second instance has a memory of its own.
  wasm_instance_t* instance2 = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance2 != NULL);
  wasm_extern_vec_t exports2;
  wasm_instance_exports(instance2, &exports2);
  {
    wasm_memory_t* memory2 = EXPORT_MEMORY(module, &exports2, "memory");
    wasm_func_t* grow2 = EXPORT_FUNC(module, &exports2, "grow");
    wasm_func_t* load8_2 = EXPORT_FUNC(module, &exports2, "load8");
    CHECK_EQ_UINT(wasm_memory_size(memory2), 2);
    CHECK_EQ_INT(call_i(load8_2, 0x1002), 3);
    CHECK_EQ_INT(wasm_memory_data(memory2)[0x1002], 3);
    // Growth by the guest returns the old size; the host sees the new one.
    CHECK_EQ_INT(call_i(grow2, 1), 2);
    CHECK_EQ_UINT(wasm_memory_size(memory2), 3);
    CHECK_EQ_UINT(wasm_memory_data_size(memory2), 3 * PAGE);
    wasm_memory_data(memory2)[3 * PAGE - 1] = 1;
    CHECK_EQ_INT(call_i(load8_2, 3 * PAGE - 1), 1);
    CHECK_EQ_INT(call_i(grow2, 1), -1);
  }
  wasm_extern_vec_delete(&exports2);
  wasm_instance_delete(instance2);
  // The first instance's memory is unchanged by the second's.
  CHECK_EQ_INT(wasm_memory_data(memory)[0x1002], 7);

  // A memory made by the host: 1 page, at most 2.
  {
    wasm_limits_t limits = {1, 2};
    wasm_memorytype_t* type = wasm_memorytype_new(&limits);
    CHECK(type != NULL);
    wasm_memory_t* host_memory = wasm_memory_new(store, type);
    CHECK(host_memory != NULL);
    wasm_memorytype_delete(type);
    check_limits(host_memory, 1, 2);
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 1);
    CHECK_EQ_UINT(wasm_memory_data_size(host_memory), PAGE);
    byte_t* host_data = wasm_memory_data(host_memory);
    CHECK(host_data != NULL);
    for (uint32_t i = 0; i < PAGE; i += 997) CHECK_EQ_INT(host_data[i], 0);
    CHECK_EQ_INT(host_data[PAGE - 1], 0);
    host_data[100] = 42;
    CHECK(wasm_memory_grow(host_memory, 1));
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 2);
    CHECK_EQ_UINT(wasm_memory_data_size(host_memory), 2 * PAGE);
    host_data = wasm_memory_data(host_memory);
    CHECK_EQ_INT(host_data[100], 42);
    CHECK_EQ_INT(host_data[2 * PAGE - 1], 0);
    CHECK(!wasm_memory_grow(host_memory, 1));
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 2);
    wasm_memory_delete(host_memory);
  }

  // A memory made by the host with no pages and no maximum.
  {
    wasm_limits_t limits = {0, wasm_limits_max_default};
    wasm_memorytype_t* type = wasm_memorytype_new(&limits);
    wasm_memory_t* host_memory = wasm_memory_new(store, type);
    CHECK(host_memory != NULL);
    wasm_memorytype_delete(type);
    check_limits(host_memory, 0, wasm_limits_max_default);
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 0);
    CHECK_EQ_UINT(wasm_memory_data_size(host_memory), 0);
    CHECK(wasm_memory_grow(host_memory, 1));
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 1);
    CHECK_EQ_UINT(wasm_memory_data_size(host_memory), PAGE);
    CHECK_EQ_INT(wasm_memory_data(host_memory)[PAGE - 1], 0);
    // More than 4 GiB in all is never possible.
    CHECK(!wasm_memory_grow(host_memory, 0x10000));
    CHECK(!wasm_memory_grow(host_memory, 0xffffffffu));
    CHECK_EQ_UINT(wasm_memory_size(host_memory), 1);
    wasm_memory_delete(host_memory);
  }

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("memory");
}
