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
#define KILN_ABI_VERSION 3u

#define KILN_WASM_PAGE_SIZE 65536u
/* Guard-page mode reserves this much address space per linear memory: any
 * 32-bit address plus any 32-bit offset (plus the widest access) lands inside
 * it, so compiled code needs no explicit bounds checks. Explicit-check
 * memories reserve only their maximum (see docs/architecture.md). */
#define KILN_MEMORY_RESERVATION (8ull << 30)
#define KILN_MEMORY_GUARD_TAIL 65536ull

/* The largest linear memory, in pages (4 GiB - 64 KiB): growing past it
 * fails (memory.grow returns -1, which the spec permits). Compiled code
 * relies on it (KILN_FLAG_MEMORY_PAGE_CAP): once an access at address X has
 * not trapped, X + C cannot wrap around 2^32 for any constant C <= 64 KiB,
 * so such additions are marked no-unsigned-wrap and LLVM can vectorize loops
 * over linear memory. */
#define KILN_MAX_MEMORY_PAGES 65535u

/* The stack contract (KILN_FLAG_STACK_CHECKS). Compiled code compares its
 * frame address with kiln_limits.stack_limit before it calls (once per
 * basic block), so a function's frame may begin just above the limit and
 * a leaf's may lie below it. Frames of KILN_STACK_PROBE_SIZE bytes or more
 * call kiln_rt_probestack in their prologue, which compares the frame's
 * bottom with the limit before the frame is touched. The runtime keeps
 * KILN_STACK_MARGIN bytes of real stack below every limit it sets: room for
 * one unchecked frame below a checked one (less than 2 x the probe size),
 * host functions called from the deepest guest frame, and the trap path. */
#define KILN_STACK_MARGIN (256u * 1024u)
#define KILN_STACK_PROBE_SIZE (32u * 1024u)

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
  KILN_TRAP_OUT_OF_FUEL = 15,       /* metered code used up the store's fuel */
  KILN_TRAP_HOST = 16,              /* a host function failed (kiln_rt_host_call); the host gives the message */
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

/* The runtime limits of a store: one block per store, shared by every
 * instance in it and reached through kiln_vmctx.limits. Only the thread
 * running the store's code reads and writes it, except `interrupt`, which
 * the runtime's timer thread and interrupt handles set from other threads,
 * and which compiled code therefore reads with a relaxed atomic load. */
typedef struct kiln_limits {
  /* A frame address below this traps (stack overflow). Set by the runtime
   * on every entry into wasm from the entering thread's stack and the
   * store's stack budget, and restored on exit. */
  uintptr_t stack_limit;
  /* Non-zero: the store's deadline has passed or it was interrupted.
   * Compiled code (KILN_FLAG_EPOCH_CHECKS) tests it at loop headers and
   * before calls and traps (interrupted): one load, a compare and a
   * branch. */
  uint32_t interrupt;
  uint32_t reserved;
  /* Fuel left. Metered code (KILN_FLAG_FUEL) subtracts the cost of each
   * straight-line run of wasm instructions before running it and traps (out
   * of fuel) when the result is negative. */
  int64_t fuel;
} kiln_limits;

/* The VM context: first argument of every compiled function. Fixed header
 * followed by a module-specific tail (global storage) whose layout the
 * compiler chooses and records in the descriptor (kiln_global_desc). Nothing
 * in it depends on the thread that runs the instance. */
typedef struct kiln_vmctx {
  uint8_t* memory_base;        /* memory 0's base, or NULL; invariant */
  struct kiln_memory* memory;  /* memory 0, or NULL */
  struct kiln_limits* limits;  /* the store's limits block; invariant */
  struct kiln_table** tables;  /* every table, imported ones first */
  struct kiln_func** funcs;    /* every function, imported ones first */
  const uint32_t* type_ids;    /* canonical id of each of the module's types */
  void* instance;              /* the runtime's instance object */
  void* host;                  /* the embedder's context */
  /* tail: globals, at offsets given by kiln_global_desc.vmctx_offset.
   * A defined global is stored inline (16 bytes, v128-capable); an imported
   * one is a pointer to the exporter's 16-byte cell. */
} kiln_vmctx;

#define KILN_VMCTX_HEADER_SIZE 64u
#define KILN_GLOBAL_CELL_SIZE 16u

/* The layouts compiled code depends on; the compiler takes every offset it
 * uses from offsetof() on these structs. */
#ifdef __cplusplus
#define KILN_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define KILN_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif
KILN_STATIC_ASSERT(sizeof(kiln_vmctx) == KILN_VMCTX_HEADER_SIZE, "kiln_vmctx header size");
KILN_STATIC_ASSERT(sizeof(kiln_val) == KILN_GLOBAL_CELL_SIZE, "global cell size");
KILN_STATIC_ASSERT(offsetof(kiln_vmctx, limits) == 16, "kiln_rt_probestack reads vmctx->limits at 16");
KILN_STATIC_ASSERT(offsetof(kiln_limits, stack_limit) == 0, "kiln_rt_probestack reads the limit at 0");
KILN_STATIC_ASSERT(sizeof(kiln_func) == 32, "kiln_func size");

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
  /* The host-call thunk for this signature: native code with the compiled
   * convention, results host_call(kiln_vmctx* ctx, params...), that stores
   * its parameters into a kiln_val array and calls kiln_rt_host_call(ctx,
   * args), then returns the results the runtime left in the array. It is
   * the `code` of a host function made through the C API (a callback with
   * arguments in an array), so that compiled code can call such a function
   * as an import or through a table. */
  void* host_call;
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

/* What the compiled code does and assumes; the runtime refuses a module
 * with a flag it does not know, and a store refuses a module that lacks a
 * flag it needs (fuel, interruption). */
#define KILN_FLAG_EXPLICIT_BOUNDS_CHECKS 0x01u /* every access checked against memory->size */
#define KILN_FLAG_EPOCH_CHECKS 0x02u    /* loop headers and calls check limits->interrupt */
#define KILN_FLAG_FUEL 0x04u            /* blocks subtract their cost from limits->fuel */
#define KILN_FLAG_MEMORY_PAGE_CAP 0x08u /* relies on memories of at most KILN_MAX_MEMORY_PAGES */
#define KILN_FLAG_STACK_CHECKS 0x10u    /* the stack contract above (limit checks, probes, margin) */
#define KILN_FLAG_FRAME_POINTERS 0x20u  /* every function that can trap or call keeps a frame pointer */
#define KILN_FLAGS_KNOWN 0x3Fu

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

/* Every function compiled code calls, declared once: the declarations below
 * and the compiler's LLVM declarations (compiler/codegen/module_context.cpp)
 * are both expansions of this list.
 *   X(noreturn, result type, name without the kiln_rt_ prefix, (parameters))
 *
 * trap: never returns; unwinds to the runtime's entry point. func_index is
 *   the wasm function whose code trapped (it may have been inlined into the
 *   function whose frame is innermost), or UINT32_MAX when unknown.
 * memory_grow: returns the old size in pages, or -1.
 * host_call: calls the host function whose context is vmctx (see
 *   kiln_type_desc.host_call) with arguments in args[] and leaves its results
 *   in args[]; a host function that fails traps from here.
 * Bulk memory and table functions trap on out-of-bounds exactly as the spec
 * says. */
#define KILN_RT_FUNCTIONS(X)                                                                              \
  X(1, void, trap, (struct kiln_vmctx * vmctx, uint32_t code, uint32_t func_index))                       \
  X(0, int32_t, memory_grow, (struct kiln_vmctx * vmctx, uint32_t memory_index, uint32_t delta_pages))    \
  X(0, void, memory_init,                                                                                 \
    (struct kiln_vmctx * vmctx, uint32_t memory_index, uint32_t data_index, uint32_t dst, uint32_t src,   \
     uint32_t len))                                                                                       \
  X(0, void, data_drop, (struct kiln_vmctx * vmctx, uint32_t data_index))                                 \
  X(0, void, memory_copy,                                                                                 \
    (struct kiln_vmctx * vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst, uint32_t src,           \
     uint32_t len))                                                                                       \
  X(0, void, memory_fill,                                                                                 \
    (struct kiln_vmctx * vmctx, uint32_t memory_index, uint32_t dst, uint32_t value, uint32_t len))       \
  X(0, void*, table_get, (struct kiln_vmctx * vmctx, uint32_t table_index, uint32_t elem))                \
  X(0, void, table_set, (struct kiln_vmctx * vmctx, uint32_t table_index, uint32_t elem, void* value))    \
  X(0, int32_t, table_grow, (struct kiln_vmctx * vmctx, uint32_t table_index, void* init, uint32_t delta)) \
  X(0, void, table_fill,                                                                                  \
    (struct kiln_vmctx * vmctx, uint32_t table_index, uint32_t dst, void* value, uint32_t len))           \
  X(0, void, table_copy,                                                                                  \
    (struct kiln_vmctx * vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src,       \
     uint32_t len))                                                                                       \
  X(0, void, table_init,                                                                                  \
    (struct kiln_vmctx * vmctx, uint32_t table_index, uint32_t elem_index, uint32_t dst, uint32_t src,    \
     uint32_t len))                                                                                       \
  X(0, void, elem_drop, (struct kiln_vmctx * vmctx, uint32_t elem_index))                                 \
  X(0, void, host_call, (struct kiln_vmctx * vmctx, kiln_val * args))

#define KILN_RT_NORETURN_0
#define KILN_RT_NORETURN_1 __attribute__((noreturn))
#define KILN_RT_DECLARE(noreturn, result, name, params) KILN_RT_NORETURN_##noreturn result kiln_rt_##name params;
KILN_RT_FUNCTIONS(KILN_RT_DECLARE)
#undef KILN_RT_DECLARE

/* The stack probe (KILN_STACK_PROBE_SIZE): LLVM calls it by name in the
 * prologue of a function with a large frame, with the frame's size in rax
 * and vmctx still in rdi, then subtracts rax from rsp. It preserves every
 * register but the flags, and traps (stack overflow) when the frame would
 * reach below limits->stack_limit. Not callable from C. */
#define KILN_RT_PROBESTACK_SYMBOL "kiln_rt_probestack"
void kiln_rt_probestack(void);

#ifdef __cplusplus
}
#endif

#endif /* KILN_ABI_H */
