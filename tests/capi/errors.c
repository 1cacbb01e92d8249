// errors: bad input is refused without crashing — garbage, empty, truncated
// and invalid binaries (wasm_module_new NULL, wasm_module_validate false; a
// valid binary validates), instantiation with missing or mismatched imports
// (wasm_instance_new NULL, with or without a trap, and nothing called), and
// wasm_module_deserialize of garbage, empty and truncated bytes (NULL).

#include "check.h"

static int func_calls = 0;

static wasm_trap_t* func_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  ++func_calls;
  results->data[0] = val_i32(args->data[0].of.i32 * 10);
  return NULL;
}

static wasm_trap_t* other_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  CHECK_MSG(false, "a mismatched import was called");
  return NULL;
}

static void bytes_of(wasm_byte_vec_t* out, const void* data, size_t size) {
  wasm_byte_vec_new(out, size, (const wasm_byte_t*)data);
}

// Whether a binary module's sections begin or end at `offset`.
static bool is_section_boundary(const wasm_byte_vec_t* binary, size_t offset) {
  const unsigned char* p = (const unsigned char*)binary->data;
  size_t at = 8;
  while (at < binary->size) {
    if (at == offset) return true;
    size_t pos = at + 1;  // after the section id
    uint32_t size = 0;
    for (int shift = 0; pos < binary->size; shift += 7) {
      unsigned char b = p[pos++];
      size |= (uint32_t)(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    at = pos + size;
  }
  CHECK_EQ_UINT(at, binary->size);
  return offset == at;
}

// `bytes` is refused by both validation and compilation.
static void check_refused_(const char* file, int line, const char* what, wasm_store_t* store,
                           const wasm_byte_vec_t* bytes) {
  if (wasm_module_validate(store, bytes)) {
    fprintf(stderr, "%s:%d: check failed: wasm_module_validate refuses %s\n", file, line, what);
    exit(1);
  }
  wasm_module_t* module = wasm_module_new(store, bytes);
  if (module) {
    fprintf(stderr, "%s:%d: check failed: wasm_module_new refuses %s\n", file, line, what);
    exit(1);
  }
}
#define CHECK_REFUSED(what, store, bytes) check_refused_(__FILE__, __LINE__, what, store, bytes)

// wasm_instance_new fails with these imports: NULL, and a trap if any is
// well-formed. Also tried without a place for the trap.
static void check_instantiation_fails_(const char* file, int line, const char* what, wasm_store_t* store,
                                       const wasm_module_t* module, wasm_extern_t** externs, size_t n) {
  wasm_extern_vec_t imports = {n, externs};
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  if (instance) {
    fprintf(stderr, "%s:%d: check failed: wasm_instance_new refuses %s\n", file, line, what);
    exit(1);
  }
  if (trap) {
    char* text = trap_text_(file, line, trap);
    printf("%s: %s\n", what, text);
    free(text);
    wasm_trap_delete(trap);
  } else {
    printf("%s: refused without a trap\n", what);
  }
  instance = wasm_instance_new(store, module, &imports, NULL);
  if (instance) {
    fprintf(stderr, "%s:%d: check failed: wasm_instance_new refuses %s (no trap pointer)\n", file, line,
            what);
    exit(1);
  }
}
#define CHECK_INSTANTIATION_FAILS(what, store, module, externs, n) \
  check_instantiation_fails_(__FILE__, __LINE__, what, store, module, externs, n)

int main(int argc, char** argv) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(engine != NULL && store != NULL);

  wasm_byte_vec_t binary;
  load_wasm(argc, argv, &binary);

  // The valid module validates and compiles.
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);

  // Garbage: text, random bytes, a wrong version, nothing at all.
  {
    wasm_byte_vec_t bytes;
    bytes_of(&bytes, "this is not a wasm module", 25);
    CHECK_REFUSED("text", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    unsigned char noise[256];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof noise; ++i) {
      x = x * 1103515245u + 12345u;
      noise[i] = (unsigned char)(x >> 16);
    }
    bytes_of(&bytes, noise, sizeof noise);
    CHECK_REFUSED("random bytes", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    // The magic number with random bytes after it.
    memcpy(noise, "\0asm\x01\0\0\0", 8);
    bytes_of(&bytes, noise, sizeof noise);
    CHECK_REFUSED("a header and random bytes", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    static const unsigned char version2[] = {0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    bytes_of(&bytes, version2, sizeof version2);
    CHECK_REFUSED("version 2", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    static const unsigned char magic_only[] = {0x00, 0x61, 0x73, 0x6d};
    bytes_of(&bytes, magic_only, sizeof magic_only);
    CHECK_REFUSED("the magic number alone", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    wasm_byte_vec_new_empty(&bytes);
    CHECK_REFUSED("an empty binary", store, &bytes);
    wasm_byte_vec_delete(&bytes);
  }

  // Truncations of the valid module inside each of its sections (a cut at a
  // section boundary can leave a valid module).
  for (size_t n = 9; n < binary.size; ++n) {
    if (is_section_boundary(&binary, n)) continue;
    wasm_byte_vec_t bytes;
    bytes_of(&bytes, binary.data, n);
    char what[64];
    snprintf(what, sizeof what, "the module truncated to %zu bytes", n);
    CHECK_REFUSED(what, store, &bytes);
    wasm_byte_vec_delete(&bytes);
  }

  // Well-formed but invalid: a function typed () -> i32 whose body is empty.
  {
    static const unsigned char invalid[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // type section: () -> i32
      0x03, 0x02, 0x01, 0x00,                          // function section: type 0
      0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,              // code section: empty body
    };
    wasm_byte_vec_t bytes;
    bytes_of(&bytes, invalid, sizeof invalid);
    CHECK_REFUSED("a function without its result", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    // The same with the result given (and exported): valid. Compiled in the
    // same process as the first module, it is a module of its own.
    CHECK_ANSWER_MODULE(store);

    // An i32.add on an empty stack.
    static const unsigned char underflow[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
      0x03, 0x02, 0x01, 0x00,
      0x0a, 0x05, 0x01, 0x03, 0x00, 0x6a, 0x0b,
    };
    bytes_of(&bytes, underflow, sizeof underflow);
    CHECK_REFUSED("an i32.add without operands", store, &bytes);
    wasm_byte_vec_delete(&bytes);

    // A call to a function that does not exist.
    static const unsigned char bad_call[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
      0x03, 0x02, 0x01, 0x00,
      0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x05, 0x0b,  // call 5
    };
    bytes_of(&bytes, bad_call, sizeof bad_call);
    CHECK_REFUSED("a call to function 5 of 1", store, &bytes);
    wasm_byte_vec_delete(&bytes);
  }

  // The first module is still itself after another was compiled.
  {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(module, &exports);
    CHECK_EQ_UINT(exports.size, 1);
    CHECK_NAME(wasm_exporttype_name(exports.data[0]), "call");
    wasm_exporttype_vec_delete(&exports);
    wasm_importtype_vec_t imports;
    wasm_module_imports(module, &imports);
    CHECK_EQ_UINT(imports.size, 4);
    wasm_importtype_vec_delete(&imports);
  }

  // Imports of the right shapes, and of wrong ones.
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_functype_t* i_l = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i64());
  wasm_functype_t* v_v = wasm_functype_new_0_0();
  wasm_func_t* func = wasm_func_new(store, i_i, func_callback);
  wasm_func_t* func_wrong_result = wasm_func_new(store, i_l, other_callback);
  wasm_func_t* func_no_params = wasm_func_new(store, v_v, other_callback);
  wasm_functype_delete(i_i);
  wasm_functype_delete(i_l);
  wasm_functype_delete(v_v);

  wasm_globaltype_t* const_i32 = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
  wasm_globaltype_t* var_i32 = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_VAR);
  wasm_globaltype_t* const_i64 = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_CONST);
  wasm_val_t v32 = val_i32(3);
  wasm_val_t v64 = val_i64(3);
  wasm_global_t* global = wasm_global_new(store, const_i32, &v32);
  wasm_global_t* global_mutable = wasm_global_new(store, var_i32, &v32);
  wasm_global_t* global_i64 = wasm_global_new(store, const_i64, &v64);
  wasm_globaltype_delete(const_i32);
  wasm_globaltype_delete(var_i32);
  wasm_globaltype_delete(const_i64);

  wasm_limits_t limits_1_2 = {1, 2};
  wasm_limits_t limits_0_2 = {0, 2};
  wasm_limits_t limits_1_none = {1, wasm_limits_max_default};
  wasm_limits_t limits_1_3 = {1, 3};
  wasm_memorytype_t* mt = wasm_memorytype_new(&limits_1_2);
  wasm_memory_t* memory = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  mt = wasm_memorytype_new(&limits_0_2);
  wasm_memory_t* memory_too_small = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  mt = wasm_memorytype_new(&limits_1_none);
  wasm_memory_t* memory_no_max = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);
  mt = wasm_memorytype_new(&limits_1_3);
  wasm_memory_t* memory_max_too_big = wasm_memory_new(store, mt);
  wasm_memorytype_delete(mt);

  wasm_limits_t table_limits = {1, wasm_limits_max_default};
  wasm_limits_t table_too_small_limits = {0, wasm_limits_max_default};
  wasm_tabletype_t* tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &table_limits);
  wasm_table_t* table = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);
  tt = wasm_tabletype_new(wasm_valtype_new_externref(), &table_limits);
  wasm_table_t* table_externref = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);
  tt = wasm_tabletype_new(wasm_valtype_new_funcref(), &table_too_small_limits);
  wasm_table_t* table_too_small = wasm_table_new(store, tt, NULL);
  wasm_tabletype_delete(tt);

  CHECK(func && func_wrong_result && func_no_params);
  CHECK(global && global_mutable && global_i64);
  CHECK(memory && memory_too_small && memory_no_max && memory_max_too_big);
  CHECK(table && table_externref && table_too_small);

  wasm_extern_t* good[4] = {wasm_func_as_extern(func), wasm_global_as_extern(global),
                            wasm_memory_as_extern(memory), wasm_table_as_extern(table)};
  wasm_extern_t* bad[4];

  // Missing imports: none, and too few.
  CHECK_INSTANTIATION_FAILS("no imports", store, module, NULL, 0);
  CHECK_INSTANTIATION_FAILS("3 imports of 4", store, module, good, 3);

  // Each import replaced by a wrong one in turn.
  struct {
    size_t index;
    wasm_extern_t* replacement;
    const char* what;
  } wrong[] = {
    {0, wasm_func_as_extern(func_wrong_result), "a function with another result type"},
    {0, wasm_func_as_extern(func_no_params), "a function without parameters"},
    {0, wasm_global_as_extern(global), "a global for a function"},
    {1, wasm_global_as_extern(global_mutable), "a mutable global for a const one"},
    {1, wasm_global_as_extern(global_i64), "an i64 global for an i32 one"},
    {1, wasm_func_as_extern(func), "a function for a global"},
    {2, wasm_memory_as_extern(memory_too_small), "a memory below the minimum"},
    {2, wasm_memory_as_extern(memory_no_max), "a memory without the required maximum"},
    {2, wasm_memory_as_extern(memory_max_too_big), "a memory with a larger maximum"},
    {2, wasm_table_as_extern(table), "a table for a memory"},
    {3, wasm_table_as_extern(table_externref), "an externref table for a funcref one"},
    {3, wasm_table_as_extern(table_too_small), "a table below the minimum"},
    {3, wasm_memory_as_extern(memory), "a memory for a table"},
  };
  for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; ++i) {
    memcpy(bad, good, sizeof bad);
    bad[wrong[i].index] = wrong[i].replacement;
    CHECK_INSTANTIATION_FAILS(wrong[i].what, store, module, bad, 4);
  }
  CHECK_EQ_INT(func_calls, 0);

  // The right imports still instantiate, and the instance runs.
  {
    wasm_extern_vec_t imports = {4, good};
    wasm_trap_t* trap = NULL;
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
    CHECK(instance != NULL);
    CHECK(trap == NULL);
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    CHECK_EQ_UINT(exports.size, 1);
    wasm_val_t args[1] = {WASM_I32_VAL(4)};
    wasm_val_t results[1] = {WASM_INIT_VAL};
    CALL_OK(wasm_extern_as_func(exports.data[0]), args, 1, results, 1);
    CHECK_EQ_INT(results[0].of.i32, 43);
    CHECK_EQ_INT(func_calls, 1);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }

  // Deserializing what is not a serialized module.
  {
    wasm_byte_vec_t bytes;
    bytes_of(&bytes, "not a serialized module at all", 30);
    CHECK(wasm_module_deserialize(store, &bytes) == NULL);
    wasm_byte_vec_delete(&bytes);
    wasm_byte_vec_new_empty(&bytes);
    CHECK(wasm_module_deserialize(store, &bytes) == NULL);
    wasm_byte_vec_delete(&bytes);

    // A plain wasm binary is not a serialized module either.
    CHECK(wasm_module_deserialize(store, &binary) == NULL);

    // Truncated and corrupted serializations.
    wasm_byte_vec_t serialized;
    wasm_module_serialize(module, &serialized);
    CHECK(serialized.size > 16);
    size_t cuts[] = {1, 8, serialized.size / 2, serialized.size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; ++i) {
      bytes_of(&bytes, serialized.data, cuts[i]);
      CHECK_MSG(wasm_module_deserialize(store, &bytes) == NULL, "serialization cut to %zu of %zu bytes",
                cuts[i], serialized.size);
      wasm_byte_vec_delete(&bytes);
    }
    // The header of a serialization followed by garbage.
    wasm_byte_vec_copy(&bytes, &serialized);
    for (size_t i = 16; i < bytes.size; ++i) bytes.data[i] = (byte_t)(i * 7);
    CHECK(wasm_module_deserialize(store, &bytes) == NULL);
    wasm_byte_vec_delete(&bytes);
    // The untouched serialization still deserializes.
    wasm_module_t* deserialized = wasm_module_deserialize(store, &serialized);
    CHECK(deserialized != NULL);
    wasm_module_delete(deserialized);
    wasm_byte_vec_delete(&serialized);
  }

  wasm_func_delete(func);
  wasm_func_delete(func_wrong_result);
  wasm_func_delete(func_no_params);
  wasm_global_delete(global);
  wasm_global_delete(global_mutable);
  wasm_global_delete(global_i64);
  wasm_memory_delete(memory);
  wasm_memory_delete(memory_too_small);
  wasm_memory_delete(memory_no_max);
  wasm_memory_delete(memory_max_too_big);
  wasm_table_delete(table);
  wasm_table_delete(table_externref);
  wasm_table_delete(table_too_small);
  wasm_module_delete(module);
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return pass("errors");
}
