// Assertions and small helpers shared by the C API test programs.
//
// Every CHECK is a real assertion: a failed one prints where and what to
// stderr and exits 1. A program prints `ok: <name>` as its last line only
// when all of them held.

#ifndef KILN_CAPI_CHECK_H
#define KILN_CAPI_CHECK_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasm.h>

// ---------------------------------------------------------------------------
// Assertions

static inline void check_fail_(const char* file, int line, const char* what) {
  fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
  fflush(stdout);
  fflush(stderr);
  exit(1);
}

#define CHECK(cond) \
  do { \
    if (!(cond)) check_fail_(__FILE__, __LINE__, #cond); \
  } while (0)

// Like CHECK, with a printf-style explanation after the condition.
#define CHECK_MSG(cond, ...) \
  do { \
    if (!(cond)) { \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__); \
      fprintf(stderr, "\n"); \
      fflush(stdout); \
      exit(1); \
    } \
  } while (0)

static inline void check_int_(const char* file, int line, const char* a_text,
                              const char* b_text, int64_t a, int64_t b) {
  if (a == b) return;
  fprintf(stderr, "%s:%d: check failed: %s == %s (%" PRId64 " vs %" PRId64 ")\n",
          file, line, a_text, b_text, a, b);
  fflush(stdout);
  exit(1);
}

static inline void check_uint_(const char* file, int line, const char* a_text,
                               const char* b_text, uint64_t a, uint64_t b) {
  if (a == b) return;
  fprintf(stderr,
          "%s:%d: check failed: %s == %s (%" PRIu64 " = 0x%" PRIx64 " vs %" PRIu64
          " = 0x%" PRIx64 ")\n",
          file, line, a_text, b_text, a, a, b, b);
  fflush(stdout);
  exit(1);
}

// Floats compare by bit pattern: -0.0 differs from 0.0, a NaN equals itself.
static inline void check_f32_(const char* file, int line, const char* a_text,
                              const char* b_text, float a, float b) {
  uint32_t abits, bbits;
  memcpy(&abits, &a, sizeof abits);
  memcpy(&bbits, &b, sizeof bbits);
  if (abits == bbits) return;
  fprintf(stderr, "%s:%d: check failed: %s == %s (%.9g = 0x%08" PRIx32 " vs %.9g = 0x%08" PRIx32 ")\n",
          file, line, a_text, b_text, (double)a, abits, (double)b, bbits);
  fflush(stdout);
  exit(1);
}

static inline void check_f64_(const char* file, int line, const char* a_text,
                              const char* b_text, double a, double b) {
  uint64_t abits, bbits;
  memcpy(&abits, &a, sizeof abits);
  memcpy(&bbits, &b, sizeof bbits);
  if (abits == bbits) return;
  fprintf(stderr, "%s:%d: check failed: %s == %s (%.17g = 0x%016" PRIx64 " vs %.17g = 0x%016" PRIx64 ")\n",
          file, line, a_text, b_text, a, abits, b, bbits);
  fflush(stdout);
  exit(1);
}

static inline void check_str_(const char* file, int line, const char* a_text,
                              const char* b_text, const char* a, const char* b) {
  if (a && b && strcmp(a, b) == 0) return;
  fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" vs \"%s\")\n", file, line,
          a_text, b_text, a ? a : "(null)", b ? b : "(null)");
  fflush(stdout);
  exit(1);
}

// A name of the API (bytes and a size, not NUL-terminated) against a C string.
static inline void check_name_(const char* file, int line, const char* a_text,
                               const wasm_name_t* name, const char* expected) {
  size_t n = strlen(expected);
  if (name && name->size == n && (n == 0 || memcmp(name->data, expected, n) == 0)) return;
  fprintf(stderr, "%s:%d: check failed: %s is \"%s\" (got ", file, line, a_text, expected);
  if (!name) {
    fprintf(stderr, "NULL");
  } else {
    fprintf(stderr, "\"%.*s\", size %zu", (int)name->size, name->data ? name->data : "", name->size);
  }
  fprintf(stderr, ")\n");
  fflush(stdout);
  exit(1);
}

#define CHECK_EQ_INT(a, b) check_int_(__FILE__, __LINE__, #a, #b, (int64_t)(a), (int64_t)(b))
#define CHECK_EQ_UINT(a, b) check_uint_(__FILE__, __LINE__, #a, #b, (uint64_t)(a), (uint64_t)(b))
#define CHECK_EQ_F32(a, b) check_f32_(__FILE__, __LINE__, #a, #b, (float)(a), (float)(b))
#define CHECK_EQ_F64(a, b) check_f64_(__FILE__, __LINE__, #a, #b, (double)(a), (double)(b))
#define CHECK_EQ_STR(a, b) check_str_(__FILE__, __LINE__, #a, #b, (a), (b))
#define CHECK_NAME(name, expected) check_name_(__FILE__, __LINE__, #name, (name), (expected))

// A value of the API against an expected one of the same kind (numbers only).
static inline void check_val_(const char* file, int line, const char* a_text,
                              const wasm_val_t* a, const wasm_val_t* b) {
  check_int_(file, line, a_text, "expected kind", a->kind, b->kind);
  switch (b->kind) {
    case WASM_I32: check_int_(file, line, a_text, "expected i32", a->of.i32, b->of.i32); break;
    case WASM_I64: check_uint_(file, line, a_text, "expected i64", (uint64_t)a->of.i64, (uint64_t)b->of.i64); break;
    case WASM_F32: check_f32_(file, line, a_text, "expected f32", a->of.f32, b->of.f32); break;
    case WASM_F64: check_f64_(file, line, a_text, "expected f64", a->of.f64, b->of.f64); break;
    default: check_fail_(file, line, "check_val_ called on a reference value");
  }
}
#define CHECK_VAL(a, b) check_val_(__FILE__, __LINE__, #a, (a), (b))

// ---------------------------------------------------------------------------
// Module loading and exports

// Reads the .wasm named on the command line into `out` (owned by the caller).
static inline void load_wasm(int argc, char** argv, wasm_byte_vec_t* out) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE.wasm\n", argc > 0 ? argv[0] : "test");
    exit(1);
  }
  FILE* file = fopen(argv[1], "rb");
  CHECK_MSG(file != NULL, "cannot open %s", argv[1]);
  CHECK(fseek(file, 0L, SEEK_END) == 0);
  long size = ftell(file);
  CHECK(size > 8);
  CHECK(fseek(file, 0L, SEEK_SET) == 0);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  CHECK(out->size == (size_t)size);
  CHECK(out->data != NULL);
  CHECK(fread(out->data, (size_t)size, 1, file) == 1);
  fclose(file);
}

// The usual start of a test: an engine, a store, and the module of argv[1]
// compiled in it (the binary freed again).
static inline wasm_module_t* new_engine_store_module(int argc, char** argv, wasm_engine_t** engine,
                                                     wasm_store_t** store) {
  *engine = wasm_engine_new();
  *store = wasm_store_new(*engine);
  CHECK(*engine != NULL && *store != NULL);
  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);
  wasm_module_t* module = wasm_module_new(*store, &binary);
  CHECK(module != NULL);
  wasm_byte_vec_delete(&binary);
  return module;
}

// The index of the export called `name` in the module's export list (the same
// index in wasm_instance_exports); fails when there is none.
static inline size_t export_index_(const char* file, int line, const wasm_module_t* module,
                                   const char* name) {
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  size_t n = strlen(name);
  for (size_t i = 0; i < exports.size; ++i) {
    const wasm_name_t* export_name = wasm_exporttype_name(exports.data[i]);
    if (export_name->size == n && memcmp(export_name->data, name, n) == 0) {
      wasm_exporttype_vec_delete(&exports);
      return i;
    }
  }
  wasm_exporttype_vec_delete(&exports);
  fprintf(stderr, "%s:%d: check failed: the module exports \"%s\"\n", file, line, name);
  exit(1);
}
#define EXPORT_INDEX(module, name) export_index_(__FILE__, __LINE__, (module), (name))

static inline wasm_extern_t* export_at_(const char* file, int line, const wasm_extern_vec_t* exports,
                                        size_t i, wasm_externkind_t kind) {
  if (i >= exports->size || exports->data[i] == NULL) {
    fprintf(stderr, "%s:%d: check failed: export %zu exists (%zu exports)\n", file, line, i,
            exports->size);
    exit(1);
  }
  check_int_(file, line, "wasm_extern_kind(export)", "expected kind",
             wasm_extern_kind(exports->data[i]), kind);
  return exports->data[i];
}

// Export `name` of an instance of `module`, checked for its kind.
#define EXPORT_FUNC(module, exports, name) \
  wasm_extern_as_func(export_at_(__FILE__, __LINE__, (exports), EXPORT_INDEX(module, name), WASM_EXTERN_FUNC))
#define EXPORT_GLOBAL(module, exports, name) \
  wasm_extern_as_global(export_at_(__FILE__, __LINE__, (exports), EXPORT_INDEX(module, name), WASM_EXTERN_GLOBAL))
#define EXPORT_TABLE(module, exports, name) \
  wasm_extern_as_table(export_at_(__FILE__, __LINE__, (exports), EXPORT_INDEX(module, name), WASM_EXTERN_TABLE))
#define EXPORT_MEMORY(module, exports, name) \
  wasm_extern_as_memory(export_at_(__FILE__, __LINE__, (exports), EXPORT_INDEX(module, name), WASM_EXTERN_MEMORY))

// ---------------------------------------------------------------------------
// Calls and traps

// Calls `func` with `nargs` arguments, expecting no trap and `nresults` results.
static inline void call_ok_(const char* file, int line, const char* func_text, const wasm_func_t* func,
                            wasm_val_t* args, size_t nargs, wasm_val_t* results, size_t nresults) {
  wasm_val_vec_t arg_vec = {nargs, args};
  wasm_val_vec_t result_vec = {nresults, results};
  wasm_trap_t* trap = wasm_func_call(func, &arg_vec, &result_vec);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    fprintf(stderr, "%s:%d: check failed: %s returns without a trap (trapped: %.*s)\n", file, line,
            func_text, (int)message.size, message.data ? message.data : "");
    exit(1);
  }
}
#define CALL_OK(func, args, nargs, results, nresults) \
  call_ok_(__FILE__, __LINE__, #func, (func), (args), (nargs), (results), (nresults))

// Checks that a trap's message is non-empty and NUL-terminated (the standard's
// wasm_message_t is), and returns a copy as a C string (to free()).
static inline char* trap_text_(const char* file, int line, const wasm_trap_t* trap) {
  if (!trap) check_fail_(file, line, "a trap is returned");
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  if (message.size < 2 || message.data == NULL)
    check_fail_(file, line, "the trap message is non-empty");
  if (message.data[message.size - 1] != '\0')
    check_fail_(file, line, "the trap message is NUL-terminated");
  if (strlen(message.data) + 1 != message.size)
    check_fail_(file, line, "the trap message has no NUL before its end");
  char* text = malloc(message.size);
  CHECK(text != NULL);
  memcpy(text, message.data, message.size);
  wasm_byte_vec_delete(&message);
  return text;
}
#define TRAP_TEXT(trap) trap_text_(__FILE__, __LINE__, (trap))

// Checks that a trap's message is exactly `expected` (plus its NUL).
#define CHECK_TRAP_MESSAGE(trap, expected) \
  do { \
    char* text_ = TRAP_TEXT(trap); \
    CHECK_EQ_STR(text_, (expected)); \
    free(text_); \
  } while (0)

// Calls `func` expecting a trap; returns the trap (owned by the caller).
static inline wasm_trap_t* call_trap_(const char* file, int line, const char* func_text,
                                      const wasm_func_t* func, wasm_val_t* args, size_t nargs,
                                      size_t nresults) {
  wasm_val_t results[8];
  if (nresults > 8) check_fail_(file, line, "at most 8 results");
  for (size_t i = 0; i < nresults; ++i) {
    results[i].kind = WASM_I32;
    results[i].of.i64 = 0;
  }
  wasm_val_vec_t arg_vec = {nargs, args};
  wasm_val_vec_t result_vec = {nresults, results};
  wasm_trap_t* trap = wasm_func_call(func, &arg_vec, &result_vec);
  if (!trap) {
    fprintf(stderr, "%s:%d: check failed: %s traps (it returned)\n", file, line, func_text);
    exit(1);
  }
  free(trap_text_(file, line, trap));
  return trap;
}
#define CALL_TRAP(func, args, nargs, nresults) \
  call_trap_(__FILE__, __LINE__, #func, (func), (args), (nargs), (nresults))

// Calls `func` expecting a trap with a well-formed message, and deletes it.
#define CHECK_TRAPS(func, args, nargs, nresults) \
  wasm_trap_delete(CALL_TRAP(func, args, nargs, nresults))

// A host-side message for wasm_trap_new: NUL-terminated, as the standard's
// wasm_message_t is. The caller deletes it.
static inline void message_new(wasm_message_t* out, const char* text) {
  wasm_name_new_from_string_nt(out, text);
}

// Value short-hands.
static inline wasm_val_t val_i32(int32_t v) { wasm_val_t r; r.kind = WASM_I32; r.of.i32 = v; return r; }
static inline wasm_val_t val_i64(int64_t v) { wasm_val_t r; r.kind = WASM_I64; r.of.i64 = v; return r; }
static inline wasm_val_t val_f32(float v) { wasm_val_t r; r.kind = WASM_F32; r.of.f32 = v; return r; }
static inline wasm_val_t val_f64(double v) { wasm_val_t r; r.kind = WASM_F64; r.of.f64 = v; return r; }
static inline wasm_val_t val_ref(wasm_ref_t* v) { wasm_val_t r; r.kind = WASM_EXTERNREF; r.of.ref = v; return r; }

// ---------------------------------------------------------------------------
// A second module

// A module of its own, (func (export "answer") (result i32) (i32.const 42)),
// for programs that must tell two modules of one process apart.
static const unsigned char answer_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,                          // header
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,                                // type: () -> i32
  0x03, 0x02, 0x01, 0x00,                                                  // function 0: type 0
  0x07, 0x0a, 0x01, 0x06, 'a', 'n', 's', 'w', 'e', 'r', 0x00, 0x00,        // export "answer"
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b,                          // i32.const 42
};

// Compiles answer_wasm in `store` and checks that the module is that one:
// no imports, one export "answer", and an instance whose answer is 42.
static inline void check_answer_module_(const char* file, int line, wasm_store_t* store) {
  wasm_byte_vec_t bytes;
  wasm_byte_vec_new(&bytes, sizeof answer_wasm, (const wasm_byte_t*)answer_wasm);
  if (!wasm_module_validate(store, &bytes)) check_fail_(file, line, "answer_wasm validates");
  wasm_module_t* module = wasm_module_new(store, &bytes);
  wasm_byte_vec_delete(&bytes);
  if (!module) check_fail_(file, line, "answer_wasm compiles");
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  check_uint_(file, line, "imports of answer_wasm", "0", imports.size, 0);
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  check_uint_(file, line, "exports of answer_wasm", "1", exports.size, 1);
  check_name_(file, line, "export of answer_wasm", wasm_exporttype_name(exports.data[0]), "answer");
  wasm_exporttype_vec_delete(&exports);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  if (!instance) check_fail_(file, line, "answer_wasm instantiates");
  wasm_extern_vec_t externs;
  wasm_instance_exports(instance, &externs);
  check_uint_(file, line, "exports of the answer instance", "1", externs.size, 1);
  wasm_func_t* answer = wasm_extern_as_func(externs.data[0]);
  if (!answer) check_fail_(file, line, "the answer export is a function");
  wasm_val_t result = WASM_INIT_VAL;
  call_ok_(file, line, "answer", answer, NULL, 0, &result, 1);
  check_int_(file, line, "answer()", "42", result.of.i32, 42);
  wasm_extern_vec_delete(&externs);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}
#define CHECK_ANSWER_MODULE(store) check_answer_module_(__FILE__, __LINE__, (store))

// Prints the last line of a passing program.
static inline int pass(const char* name) {
  printf("ok: %s\n", name);
  fflush(stdout);
  return 0;
}

#endif  // KILN_CAPI_CHECK_H
