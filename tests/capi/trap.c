// trap: traps from the host (wasm_trap_new in a callback; its message comes
// back from wasm_func_call as the same text) and from the guest (unreachable,
// integer division, conversion, memory bounds, null and mismatched indirect
// calls, stack exhaustion), with wasm_trap_origin/wasm_trap_trace naming the
// trapping function where they are given; a trap passed back up through a
// host callback; and the instance staying usable after every trap.

#include <math.h>

#include "check.h"

// Function indices in trap.wat (imports first).
enum {
  FUNC_UNREACHABLE = 3,
  FUNC_INNER_UNREACHABLE = 4,
  FUNC_OUTER = 5,
  FUNC_DIV = 6,
  FUNC_LOAD = 7,
  FUNC_TRUNC = 11,
  FUNC_CALL_NULL = 12,
};

static wasm_store_t* store = NULL;
static wasm_func_t* unreachable_export = NULL;
static size_t module_size = 0;
static int fail_calls = 0;
static int reenter_calls = 0;
static char* reenter_inner_text = NULL;

// host.fail: always traps with a message of its own.
static wasm_trap_t* fail_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 0);
  CHECK_EQ_UINT(results->size, 0);
  ++fail_calls;
  wasm_message_t message;
  message_new(&message, "host failure: callback abort");
  wasm_trap_t* trap = wasm_trap_new(store, &message);
  wasm_byte_vec_delete(&message);
  CHECK(trap != NULL);
  return trap;
}

// host.reenter: calls the guest's "unreachable" and returns its trap as its own.
static wasm_trap_t* reenter_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  CHECK_EQ_UINT(args->size, 0);
  CHECK_EQ_UINT(results->size, 0);
  ++reenter_calls;
  wasm_val_vec_t no_args = WASM_EMPTY_VEC;
  wasm_val_vec_t no_results = WASM_EMPTY_VEC;
  wasm_trap_t* trap = wasm_func_call(unreachable_export, &no_args, &no_results);
  CHECK(trap != NULL);
  free(reenter_inner_text);
  reenter_inner_text = TRAP_TEXT(trap);
  return trap;
}

// Checks origin and trace of a guest trap: the innermost frame is function
// `func_index`, the one below it `caller_index` (if >= 0 and present).
static void check_frames(const wasm_trap_t* trap, uint32_t func_index, int64_t caller_index) {
  wasm_frame_t* origin = wasm_trap_origin(trap);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  if (origin) {
    CHECK_EQ_UINT(wasm_frame_func_index(origin), func_index);
    CHECK(wasm_frame_module_offset(origin) < module_size);
    wasm_frame_t* copy = wasm_frame_copy(origin);
    CHECK(copy != NULL);
    CHECK_EQ_UINT(wasm_frame_func_index(copy), func_index);
    CHECK_EQ_UINT(wasm_frame_module_offset(copy), wasm_frame_module_offset(origin));
    wasm_frame_delete(copy);
    // The origin is the top of the trace.
    CHECK(trace.size >= 1);
    wasm_frame_delete(origin);
  } else {
    printf("note: no trap origin (function %u)\n", func_index);
    CHECK_EQ_UINT(trace.size, 0);
  }
  if (trace.size >= 1) {
    CHECK(trace.data[0] != NULL);
    CHECK_EQ_UINT(wasm_frame_func_index(trace.data[0]), func_index);
  }
  if (trace.size >= 2 && caller_index >= 0) {
    CHECK_EQ_UINT(wasm_frame_func_index(trace.data[1]), (uint64_t)caller_index);
  }
  for (size_t i = 0; i < trace.size; ++i) {
    CHECK(trace.data[i] != NULL);
    CHECK(wasm_frame_module_offset(trace.data[i]) < module_size);
  }
  wasm_frame_vec_delete(&trace);
}

static void expect_guest_trap(const wasm_func_t* func, wasm_val_t* args, size_t nargs, size_t nresults,
                              uint32_t func_index, int64_t caller_index) {
  wasm_trap_t* trap = CALL_TRAP(func, args, nargs, nresults);
  check_frames(trap, func_index, caller_index);
  wasm_trap_delete(trap);
}

static int32_t call_ok_i(const wasm_func_t* func) {
  wasm_val_t result = WASM_INIT_VAL;
  CALL_OK(func, NULL, 0, &result, 1);
  CHECK_EQ_INT(result.kind, WASM_I32);
  return result.of.i32;
}

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  store = wasm_store_new(engine);
  CHECK(engine != NULL && store != NULL);

  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  module_size = binary.size;
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);

  // A trap made by the host: message, copy, identity.
  {
    wasm_message_t message;
    message_new(&message, "made by the host");
    wasm_trap_t* trap = wasm_trap_new(store, &message);
    wasm_byte_vec_delete(&message);
    CHECK(trap != NULL);
    CHECK_TRAP_MESSAGE(trap, "made by the host");
    wasm_trap_t* copy = wasm_trap_copy(trap);
    CHECK(copy != NULL);
    CHECK_TRAP_MESSAGE(copy, "made by the host");
    CHECK(wasm_trap_same(trap, copy));
    wasm_trap_delete(trap);
    // The copy outlives the original.
    CHECK_TRAP_MESSAGE(copy, "made by the host");
    wasm_trap_delete(copy);
  }

  wasm_functype_t* v_v = wasm_functype_new_0_0();
  wasm_func_t* fail = wasm_func_new(store, v_v, fail_callback);
  wasm_func_t* reenter = wasm_func_new(store, v_v, reenter_callback);
  CHECK(fail != NULL && reenter != NULL);
  wasm_functype_delete(v_v);
  wasm_extern_t* externs[] = {wasm_func_as_extern(fail), wasm_func_as_extern(reenter)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(externs);
  wasm_trap_t* instantiation_trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &instantiation_trap);
  CHECK(instance != NULL);
  CHECK(instantiation_trap == NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* call_fail = EXPORT_FUNC(module, &exports, "call_fail");
  unreachable_export = EXPORT_FUNC(module, &exports, "unreachable");
  wasm_func_t* outer = EXPORT_FUNC(module, &exports, "outer");
  wasm_func_t* div_func = EXPORT_FUNC(module, &exports, "div");
  wasm_func_t* load = EXPORT_FUNC(module, &exports, "load");
  wasm_func_t* recurse = EXPORT_FUNC(module, &exports, "recurse");
  wasm_func_t* call_reenter = EXPORT_FUNC(module, &exports, "call_reenter");
  wasm_func_t* ok = EXPORT_FUNC(module, &exports, "ok");
  wasm_func_t* trunc_func = EXPORT_FUNC(module, &exports, "trunc");
  wasm_func_t* call_null = EXPORT_FUNC(module, &exports, "call_null");

  // A host trap raised under a guest frame comes back with its message.
  {
    wasm_trap_t* trap = CALL_TRAP(call_fail, NULL, 0, 0);
    CHECK_TRAP_MESSAGE(trap, "host failure: callback abort");
    CHECK_EQ_INT(fail_calls, 1);
    wasm_trap_delete(trap);
  }
  // The same host function called by the host.
  {
    wasm_trap_t* trap = CALL_TRAP(fail, NULL, 0, 0);
    CHECK_TRAP_MESSAGE(trap, "host failure: callback abort");
    CHECK_EQ_INT(fail_calls, 2);
    wasm_trap_delete(trap);
  }
  CHECK_EQ_INT(call_ok_i(ok), 42);

  // unreachable, called directly and below another frame.
  expect_guest_trap(unreachable_export, NULL, 0, 0, FUNC_UNREACHABLE, -1);
  wasm_val_t arg = val_i32(0);
  expect_guest_trap(outer, &arg, 1, 0, FUNC_INNER_UNREACHABLE, FUNC_OUTER);
  CHECK_EQ_INT(call_ok_i(ok), 42);

  // Indirect calls: wrong signature, null entry, index out of bounds.
  arg = val_i32(1);
  expect_guest_trap(outer, &arg, 1, 0, FUNC_OUTER, -1);
  arg = val_i32(2);
  expect_guest_trap(outer, &arg, 1, 0, FUNC_OUTER, -1);
  arg = val_i32(3);
  expect_guest_trap(outer, &arg, 1, 0, FUNC_OUTER, -1);
  arg = val_i32(-1);
  expect_guest_trap(outer, &arg, 1, 0, FUNC_OUTER, -1);
  expect_guest_trap(call_null, NULL, 0, 0, FUNC_CALL_NULL, -1);

  // Integer division: fine, by zero, overflow.
  {
    wasm_val_t args[2] = {WASM_I32_VAL(7), WASM_I32_VAL(-2)};
    wasm_val_t result = WASM_INIT_VAL;
    CALL_OK(div_func, args, 2, &result, 1);
    CHECK_EQ_INT(result.of.i32, -3);
    args[1] = val_i32(0);
    expect_guest_trap(div_func, args, 2, 1, FUNC_DIV, -1);
    args[0] = val_i32(INT32_MIN);
    args[1] = val_i32(-1);
    expect_guest_trap(div_func, args, 2, 1, FUNC_DIV, -1);
  }

  // Float to integer conversion: fine, too large, NaN.
  {
    wasm_val_t a = val_f64(-3.9);
    wasm_val_t result = WASM_INIT_VAL;
    CALL_OK(trunc_func, &a, 1, &result, 1);
    CHECK_EQ_INT(result.of.i32, -3);
    a = val_f64(-2147483648.9);
    CALL_OK(trunc_func, &a, 1, &result, 1);
    CHECK_EQ_INT(result.of.i32, INT32_MIN);
    a = val_f64(1e10);
    expect_guest_trap(trunc_func, &a, 1, 1, FUNC_TRUNC, -1);
    a = val_f64(2147483648.0);
    expect_guest_trap(trunc_func, &a, 1, 1, FUNC_TRUNC, -1);
    a = val_f64(NAN);
    expect_guest_trap(trunc_func, &a, 1, 1, FUNC_TRUNC, -1);
  }

  // Memory bounds (one page): the last word, then past it.
  {
    wasm_val_t a = val_i32(65532);
    wasm_val_t result = WASM_INIT_VAL;
    CALL_OK(load, &a, 1, &result, 1);
    CHECK_EQ_INT(result.of.i32, 0);
    a = val_i32(65533);
    expect_guest_trap(load, &a, 1, 1, FUNC_LOAD, -1);
    a = val_i32(65536);
    expect_guest_trap(load, &a, 1, 1, FUNC_LOAD, -1);
    a = val_i32(-4);
    expect_guest_trap(load, &a, 1, 1, FUNC_LOAD, -1);
  }

  // Stack exhaustion is a trap, not a crash; twice, and the instance still
  // runs afterwards.
  for (int i = 0; i < 2; ++i) {
    arg = val_i32(0);
    CHECK_TRAPS(recurse, &arg, 1, 1);
    CHECK_EQ_INT(call_ok_i(ok), 42);
  }

  // A trap from a guest call made inside a host callback, returned by the
  // callback: the outer call gets it, with the same message.
  {
    wasm_trap_t* trap = CALL_TRAP(call_reenter, NULL, 0, 0);
    CHECK_EQ_INT(reenter_calls, 1);
    CHECK(reenter_inner_text != NULL);
    CHECK_TRAP_MESSAGE(trap, reenter_inner_text);
    wasm_trap_delete(trap);
  }

  // Many traps in a row leave nothing behind.
  for (int i = 0; i < 200; ++i) {
    wasm_trap_t* trap = CALL_TRAP(call_fail, NULL, 0, 0);
    CHECK_TRAP_MESSAGE(trap, "host failure: callback abort");
    wasm_trap_delete(trap);
    CHECK_TRAPS(unreachable_export, NULL, 0, 0);
  }
  CHECK_EQ_INT(fail_calls, 202);
  CHECK_EQ_INT(call_ok_i(ok), 42);

  free(reenter_inner_text);
  unreachable_export = NULL;
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(fail);
  wasm_func_delete(reenter);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("trap");
}
