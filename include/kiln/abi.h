/*
 * The seam between code compiled by Kiln and the Kiln runtime.
 *
 * Everything compiled code and the runtime agree on lives here: the VM
 * context every compiled function receives, the module descriptor a compiled
 * module exports, trap codes, and the runtime entry points compiled code
 * calls. The compiler mirrors these layouts in LLVM types
 * (compiler/codegen/abi_types.cpp); tests/unit/abi_layout_test.cpp checks
 * the offsets agree.
 *
 * Plain C so that an embedder in any language can read it.
 */
#ifndef KILN_ABI_H
#define KILN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever anything in this file changes layout or meaning. */
#define KILN_ABI_VERSION 1u

#define KILN_WASM_PAGE_SIZE 65536u
/* Guard-page mode reserves this much address space per linear memory: any
 * 32-bit address plus any 32-bit offset (plus the widest access) lands inside
 * it, so compiled code needs no explicit bounds checks. */
#define KILN_MEMORY_RESERVATION (8ull << 30)
#define KILN_MEMORY_GUARD_TAIL 65536ull

/* ---- Values ------------------------------------------------------------ */

enum kiln_valtype {
  KILN_I32 = 0x7F,
  KILN_I64 = 0x7E,
  KILN_F32 = 0x7D,
  KILN_F64 = 0x7C,
  KILN_V128 = 0x7B,
  KILN_FUNCREF = 0x70,
  KILN_EXTERNREF = 0x6F,
};

/* One value in the "array call" convention: arguments in, results out. */
typedef union kiln_val {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  void* ref; /* funcref: struct kiln_func*; externref: opaque; NULL is null */
} kiln_val;

/* ---- Traps ------------------------------------------------------------- */

typedef enum kiln_trap_code {
  KILN_TRAP_NONE = 0,
  KILN_TRAP_UNREACHABLE = 1,
  KILN_TRAP_MEMORY_OUT_OF_BOUNDS = 2,
  KILN_TRAP_TABLE_OUT_OF_BOUNDS = 3,
  KILN_TRAP_INDIRECT_CALL_NULL = 4, /* "uninitialized element" */
  KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH = 5,
  KILN_TRAP_INTEGER_DIVIDE_BY_ZERO = 6,
  KILN_TRAP_INTEGER_OVERFLOW = 7,
  KILN_TRAP_INVALID_CONVERSION = 8,
  KILN_TRAP_STACK_OVERFLOW = 9,
  KILN_TRAP_INTERRUPTED = 10,
  KILN_TRAP_OUT_OF_MEMORY = 11,
  KILN_TRAP_UNALIGNED_ATOMIC = 12,
  KILN_TRAP_NULL_REFERENCE = 13,
  KILN_TRAP_UNDEFINED_ELEMENT = 14, /* call_indirect index beyond the table */
  KILN_TRAP_COUNT_
} kiln_trap_code;

/* A process killed by a trap exits with this status (documented in the
 * README); proc_exit statuses are the guest's own. */
#define KILN_TRAP_EXIT_STATUS 134

/* ---- Runtime objects compiled code touches ----------------------------- */

struct kiln_vmctx;

/* A function reference: what tables hold, what ref.func yields, and how
 * imported functions are called. `code` has the native signature
 *   results code(struct kiln_vmctx* vmctx, params...)
 * (several results come back as an LLVM struct; host functions have at most
 * one). `vmctx` is the context to pass: the owning instance's, or for a host
 * function the importing instance's (so WASI can reach the caller's memory).
 */
typedef struct kiln_func {
  void* code;
  struct kiln_vmctx* vmctx;
  uint32_t type_id;  /* canonical signature id, interned process-wide */
  uint32_t reserved;
  /* Calls `code` with arguments from args[] and stores results into args[]. */
  void (*array_call)(void* code, struct kiln_vmctx* vmctx, kiln_val* args);
} kiln_func;

typedef struct kiln_table {
  void** elements;   /* kiln_func* for funcref tables, opaque for externref */
  uint32_t size;     /* current number of elements */
  uint32_t max;      /* maximum (UINT32_MAX when unbounded) */
  uint8_t elem_type; /* kiln_valtype */
} kiln_table;

typedef struct kiln_memory {
  uint8_t* base;       /* start of the reservation; never moves */
  uint64_t size;       /* current size in bytes */
  uint64_t max_pages;  /* declared maximum, or the runtime's cap */
  uint64_t reserved_bytes;
} kiln_memory;

/* The VM context: first argument of every compiled function. Fixed header
 * followed by a module-specific tail (global storage) whose layout the
 * compiler chooses and records in the descriptor (kiln_global_desc). */
typedef struct kiln_vmctx {
  uint8_t* memory_base;        /* memory 0's base, or NULL; invariant */
  struct kiln_memory* memory;  /* memory 0, or NULL */
  uintptr_t stack_limit;       /* a frame address below this traps */
  volatile uint32_t interrupt; /* non-zero asks compiled code to stop */
  uint32_t reserved0;
  struct kiln_table** tables;  /* every table, imported ones first */
  struct kiln_func** funcs;    /* every function, imported ones first */
  const uint32_t* type_ids;    /* canonical id of each of the module's types */
  void* instance;              /* the runtime's instance object */
  void* host;                  /* the embedder's context (WASI state, ...) */
  /* tail: globals, at offsets given by kiln_global_desc.vmctx_offset.
   * A defined global is stored inline (16 bytes, v128-capable); an imported
   * one is a pointer to the exporter's 16-byte cell. */
} kiln_vmctx;

#define KILN_VMCTX_HEADER_SIZE 72u
#define KILN_GLOBAL_CELL_SIZE 16u

/* ---- The module descriptor ---------------------------------------------- */

/* Constant expressions (global initialisers, segment offsets, element items). */
enum kiln_const_kind {
  KILN_CONST_I32 = 0,
  KILN_CONST_I64 = 1,
  KILN_CONST_F32 = 2,
  KILN_CONST_F64 = 3,
  KILN_CONST_V128 = 4,
  KILN_CONST_REF_NULL = 5,
  KILN_CONST_REF_FUNC = 6,
  KILN_CONST_GLOBAL_GET = 7,
};

typedef struct kiln_const_expr {
  uint8_t kind;      /* kiln_const_kind */
  uint8_t type;      /* kiln_valtype of the result */
  uint16_t reserved;
  uint32_t index;    /* REF_FUNC: function index; GLOBAL_GET: global index */
  uint64_t bits;     /* numeric bit pattern; low half of a v128 */
  uint64_t bits_high;
} kiln_const_expr;

typedef struct kiln_type_desc {
  uint32_t num_params;
  uint32_t num_results;
  const uint8_t* types; /* num_params kiln_valtypes, then num_results */
  /* The array-call trampoline for this signature (see kiln_func). */
  void (*array_call)(void* code, struct kiln_vmctx* vmctx, kiln_val* args);
} kiln_type_desc;

enum kiln_extern_kind { KILN_EXTERN_FUNC = 0, KILN_EXTERN_TABLE = 1, KILN_EXTERN_MEMORY = 2, KILN_EXTERN_GLOBAL = 3 };

#define KILN_NO_MAX UINT64_MAX

/* Names are UTF-8 and may contain NUL bytes: the lengths are authoritative
 * (a terminating NUL follows each for convenience). */
typedef struct kiln_import_desc {
  const char* module;
  const char* name;
  uint32_t module_len;
  uint32_t name_len;
  uint8_t kind;       /* kiln_extern_kind */
  uint8_t reserved[3];
  uint32_t index;     /* index in its own index space (function, table, ...) */
} kiln_import_desc;

typedef struct kiln_export_desc {
  const char* name;
  uint32_t name_len;
  uint8_t kind;       /* kiln_extern_kind */
  uint8_t reserved[3];
  uint32_t index;
  uint32_t reserved2;
} kiln_export_desc;

typedef struct kiln_func_desc {
  uint32_t type_index;
  uint32_t reserved;
  void* code;         /* NULL for imported functions */
  const char* name;   /* for backtraces: name section, export name, or func[N] */
} kiln_func_desc;

typedef struct kiln_table_desc {
  uint8_t elem_type;  /* kiln_valtype */
  uint8_t imported;
  uint8_t reserved[6];
  uint64_t min;
  uint64_t max;       /* KILN_NO_MAX when absent */
} kiln_table_desc;

typedef struct kiln_memory_desc {
  uint8_t imported;
  uint8_t reserved[7];
  uint64_t min;       /* pages */
  uint64_t max;       /* pages, KILN_NO_MAX when absent */
} kiln_memory_desc;

typedef struct kiln_global_desc {
  uint8_t type;       /* kiln_valtype */
  uint8_t is_mutable;
  uint8_t imported;
  uint8_t reserved;
  uint32_t vmctx_offset; /* where the cell (or, if imported, the pointer to it) lives */
  kiln_const_expr init;  /* defined globals only */
} kiln_global_desc;

enum kiln_segment_mode { KILN_SEGMENT_ACTIVE = 0, KILN_SEGMENT_PASSIVE = 1, KILN_SEGMENT_DECLARATIVE = 2 };

typedef struct kiln_elem_desc {
  uint8_t mode;       /* kiln_segment_mode */
  uint8_t elem_type;  /* kiln_valtype */
  uint8_t reserved[2];
  uint32_t table_index;
  kiln_const_expr offset;
  uint32_t num_items;
  uint32_t reserved2;
  const kiln_const_expr* items;
} kiln_elem_desc;

typedef struct kiln_data_desc {
  uint8_t mode;       /* kiln_segment_mode */
  uint8_t reserved[3];
  uint32_t memory_index;
  kiln_const_expr offset;
  uint64_t size;
  const uint8_t* bytes;
} kiln_data_desc;

/* Compile-time options that change generated code; the runtime refuses a
 * module whose flags it does not support. */
#define KILN_FLAG_EXPLICIT_BOUNDS_CHECKS 1u

typedef struct kiln_module_desc {
  uint32_t abi_version;        /* KILN_ABI_VERSION */
  uint32_t flags;              /* KILN_FLAG_* */
  const char* kiln_version;    /* version of the compiler that made it */
  uint64_t options_hash;       /* hash of the compile options, for caches */
  const char* module_name;     /* from the name section, or NULL */

  uint32_t vmctx_size;         /* header plus tail */
  uint32_t num_types;
  const kiln_type_desc* types;
  uint32_t num_imports;
  uint32_t num_exports;
  const kiln_import_desc* imports;
  const kiln_export_desc* exports;
  uint32_t num_funcs;          /* imported and defined */
  uint32_t num_imported_funcs;
  const kiln_func_desc* funcs;
  uint32_t num_tables;
  uint32_t num_memories;
  const kiln_table_desc* tables;
  const kiln_memory_desc* memories;
  uint32_t num_globals;
  uint32_t num_elems;
  const kiln_global_desc* globals;
  const kiln_elem_desc* elems;
  uint32_t num_datas;
  int32_t start_func;          /* -1 when there is none */
  const kiln_data_desc* datas;
  /* Address range of the compiled functions, for the fault handler and
   * backtraces. */
  const void* code_begin;
  const void* code_end;
} kiln_module_desc;

/* The symbol under which a compiled module exports its descriptor. */
#define KILN_MODULE_SYMBOL "kiln_module"

/* ---- Runtime entry points called from compiled code --------------------- */

/* Never returns: unwinds to the runtime's entry point. func_index is the
 * wasm function whose code trapped (it may have been inlined into the
 * function whose frame is innermost), or UINT32_MAX when unknown. */
__attribute__((noreturn)) void kiln_rt_trap(struct kiln_vmctx* vmctx, uint32_t code, uint32_t func_index);

/* memory.grow: returns the old size in pages, or -1. */
int32_t kiln_rt_memory_grow(struct kiln_vmctx* vmctx, uint32_t memory_index, uint32_t delta_pages);
/* Bulk memory; each traps on out-of-bounds exactly as the spec says. */
void kiln_rt_memory_init(struct kiln_vmctx* vmctx, uint32_t memory_index, uint32_t data_index,
                         uint32_t dst, uint32_t src, uint32_t len);
void kiln_rt_data_drop(struct kiln_vmctx* vmctx, uint32_t data_index);
void kiln_rt_memory_copy(struct kiln_vmctx* vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst,
                         uint32_t src, uint32_t len);
void kiln_rt_memory_fill(struct kiln_vmctx* vmctx, uint32_t memory_index, uint32_t dst, uint32_t value,
                         uint32_t len);

/* Tables. */
void* kiln_rt_table_get(struct kiln_vmctx* vmctx, uint32_t table_index, uint32_t elem);
void kiln_rt_table_set(struct kiln_vmctx* vmctx, uint32_t table_index, uint32_t elem, void* value);
int32_t kiln_rt_table_grow(struct kiln_vmctx* vmctx, uint32_t table_index, void* init, uint32_t delta);
void kiln_rt_table_fill(struct kiln_vmctx* vmctx, uint32_t table_index, uint32_t dst, void* value,
                        uint32_t len);
void kiln_rt_table_copy(struct kiln_vmctx* vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                        uint32_t src, uint32_t len);
void kiln_rt_table_init(struct kiln_vmctx* vmctx, uint32_t table_index, uint32_t elem_index,
                        uint32_t dst, uint32_t src, uint32_t len);
void kiln_rt_elem_drop(struct kiln_vmctx* vmctx, uint32_t elem_index);

#ifdef __cplusplus
}
#endif

#endif /* KILN_ABI_H */
