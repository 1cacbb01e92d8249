// Tests of libkiln-rt with hand-written "compiled modules": small C++
// functions that follow the compiled-code convention (kiln_vmctx* first,
// frame pointers kept), hand-filled descriptors and array-call trampolines.
// The functions live in their own section so that the descriptors can give
// the fault handler and the backtracer an exact code range.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"

extern "C" char __start_kiln_test_code[];
extern "C" char __stop_kiln_test_code[];

#if defined(__clang__)
#define KILN_KEEP_FP
#else
#define KILN_KEEP_FP optimize("no-omit-frame-pointer", "no-optimize-sibling-calls")
#endif
// "Compiled" code: in the registered section, never inlined, frame pointers
// kept, not instrumented (like Kiln's output).
#define WASM_CODE                                                                                  \
  extern "C" __attribute__((section("kiln_test_code"), noinline, used, KILN_KEEP_FP, \
                            no_sanitize("address", "undefined", "thread")))

namespace {

// Offsets the "compiler" gave the globals: cells after the header, 16 each.
constexpr uint32_t kGlobal0 = 64;
constexpr uint32_t kGlobal1 = 80;
constexpr uint32_t kGlobal2 = 96;

template <typename T>
T& at(kiln_vmctx* vm, uint32_t offset) {
  return *reinterpret_cast<T*>(reinterpret_cast<char*>(vm) + offset);
}

}  // namespace

// ---- Compiled functions ------------------------------------------------------

WASM_CODE int32_t w_add(kiln_vmctx*, int32_t a, int32_t b) { return a + b; }

WASM_CODE int32_t w_get_g0(kiln_vmctx* vm) { return at<int32_t>(vm, kGlobal0); }

WASM_CODE int32_t w_load(kiln_vmctx* vm, int32_t addr) {
  return *reinterpret_cast<volatile int32_t*>(vm->memory_base + static_cast<uint32_t>(addr));
}

WASM_CODE int32_t w_far_load(kiln_vmctx* vm) {
  return *reinterpret_cast<volatile int32_t*>(vm->memory_base + (5ull << 30));
}

WASM_CODE int32_t div_helper(kiln_vmctx* vm, int32_t d) {
  if (d == 0) kiln_rt_trap(vm, KILN_TRAP_INTEGER_DIVIDE_BY_ZERO, UINT32_MAX);
  return 100 / d;
}

WASM_CODE int32_t w_outer(kiln_vmctx* vm, int32_t d) {
  volatile int32_t r = div_helper(vm, d);
  return r + 1;
}

namespace {
volatile bool gNeverTrue = false;  // keeps the compiler from calling the recursion infinite
}

WASM_CODE int32_t w_recurse(kiln_vmctx* vm, int32_t n) {
  if (gNeverTrue) return 0;
  if (reinterpret_cast<uintptr_t>(__builtin_frame_address(0)) < vm->limits->stack_limit)
    kiln_rt_trap(vm, KILN_TRAP_STACK_OVERFLOW, UINT32_MAX);
  volatile char pad[32];
  pad[0] = static_cast<char>(n);
  int32_t r = w_recurse(vm, n + 1);
  return r + pad[0];
}

// No stack check: only the fault handler can stop this one.
WASM_CODE int32_t w_recurse_unchecked(kiln_vmctx* vm, int32_t n) {
  if (gNeverTrue) return 0;
  volatile char pad[32];
  pad[0] = static_cast<char>(n);
  int32_t r = w_recurse_unchecked(vm, n + 1);
  return r + pad[0];
}

// call_indirect of type 0 ((i32, i32) -> i32) through table 0.
WASM_CODE int32_t w_call_indirect(kiln_vmctx* vm, int32_t idx) {
  kiln_table* t = vm->tables[0];
  if (static_cast<uint32_t>(idx) >= t->size) kiln_rt_trap(vm, KILN_TRAP_UNDEFINED_ELEMENT, UINT32_MAX);
  auto* f = static_cast<kiln_func*>(t->elements[static_cast<uint32_t>(idx)]);
  if (!f) kiln_rt_trap(vm, KILN_TRAP_INDIRECT_CALL_NULL, UINT32_MAX);
  if (f->type_id != vm->type_ids[0]) kiln_rt_trap(vm, KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH, UINT32_MAX);
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(f->code)(f->vmctx, 2, 3);
}

// Calls imported function 0 as (i32, i32) -> i32.
WASM_CODE int32_t w_call_import0(kiln_vmctx* vm, int32_t a, int32_t b) {
  kiln_func* f = vm->funcs[0];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(f->code)(f->vmctx, a, b);
}
// Calls imported function 0 as (i32) -> i32.
WASM_CODE int32_t w_call_import0_i(kiln_vmctx* vm, int32_t a) {
  kiln_func* f = vm->funcs[0];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t)>(f->code)(f->vmctx, a);
}
// Calls imported function 1 as (i32, i32) -> i32.
WASM_CODE int32_t w_call_import1(kiln_vmctx* vm, int32_t a, int32_t b) {
  kiln_func* f = vm->funcs[1];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(f->code)(f->vmctx, a, b);
}
// Calls imported function 2 as (i32) -> ().
WASM_CODE void w_call_import2_exit(kiln_vmctx* vm, int32_t code) {
  kiln_func* f = vm->funcs[2];
  reinterpret_cast<void (*)(kiln_vmctx*, int32_t)>(f->code)(f->vmctx, code);
}
// Calls imported function 3 as (i32, i32, i32, i32) -> i32 (fd_write).
WASM_CODE int32_t w_call_import3_4(kiln_vmctx* vm, int32_t a, int32_t b, int32_t c, int32_t d) {
  kiln_func* f = vm->funcs[3];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t, int32_t)>(f->code)(f->vmctx, a, b, c,
                                                                                                  d);
}
// Calls imported function 4 as (i32, i32) -> i32.
WASM_CODE int32_t w_call_import4(kiln_vmctx* vm, int32_t a, int32_t b) {
  kiln_func* f = vm->funcs[4];
  return reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(f->code)(f->vmctx, a, b);
}
WASM_CODE void w_start_exit7(kiln_vmctx* vm) { w_call_import2_exit(vm, 7); }
WASM_CODE void w_start_returns(kiln_vmctx*) {}
WASM_CODE void w_start_unreachable(kiln_vmctx* vm) { kiln_rt_trap(vm, KILN_TRAP_UNREACHABLE, UINT32_MAX); }
WASM_CODE void w_start_set_g0(kiln_vmctx* vm) { at<int32_t>(vm, kGlobal0) = 1234; }

// One compiled function that runs a runtime entry point described by gOp.
namespace {
enum OpKind { kFill, kCopy, kInit, kDataDrop, kTGet, kTSet, kTGrow, kTFill, kTCopy, kTInit, kEDrop, kMGrow };
struct Op {
  OpKind kind;
  uint32_t a, b, c, d, e;
  void* p;
  void* result;
};
Op gOp;
}  // namespace

WASM_CODE int32_t w_run_op(kiln_vmctx* vm) {
  Op& o = gOp;
  switch (o.kind) {
    case kFill: kiln_rt_memory_fill(vm, 0, o.a, o.b, o.c); return 0;
    case kCopy: kiln_rt_memory_copy(vm, 0, 0, o.a, o.b, o.c); return 0;
    case kInit: kiln_rt_memory_init(vm, 0, o.a, o.b, o.c, o.d); return 0;
    case kDataDrop: kiln_rt_data_drop(vm, o.a); return 0;
    case kTGet: o.result = kiln_rt_table_get(vm, o.a, o.b); return 0;
    case kTSet: kiln_rt_table_set(vm, o.a, o.b, o.p); return 0;
    case kTGrow: return kiln_rt_table_grow(vm, o.a, o.p, o.b);
    case kTFill: kiln_rt_table_fill(vm, o.a, o.b, o.p, o.c); return 0;
    case kTCopy: kiln_rt_table_copy(vm, o.a, o.b, o.c, o.d, o.e); return 0;
    case kTInit: kiln_rt_table_init(vm, o.a, o.b, o.c, o.d, o.e); return 0;
    case kEDrop: kiln_rt_elem_drop(vm, o.a); return 0;
    case kMGrow: return kiln_rt_memory_grow(vm, 0, o.a);
  }
  return -1;
}

// ---- Trampolines ---------------------------------------------------------------

namespace {

void tramp_v_v(void* code, kiln_vmctx* vm, kiln_val*) { reinterpret_cast<void (*)(kiln_vmctx*)>(code)(vm); }
void tramp_v_i(void* code, kiln_vmctx* vm, kiln_val* a) {
  a[0].i64 = 0;
  a[0].i32 = static_cast<uint32_t>(reinterpret_cast<int32_t (*)(kiln_vmctx*)>(code)(vm));
}
void tramp_i_i(void* code, kiln_vmctx* vm, kiln_val* a) {
  a[0].i32 = static_cast<uint32_t>(
      reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t)>(code)(vm, static_cast<int32_t>(a[0].i32)));
}
void tramp_i_v(void* code, kiln_vmctx* vm, kiln_val* a) {
  reinterpret_cast<void (*)(kiln_vmctx*, int32_t)>(code)(vm, static_cast<int32_t>(a[0].i32));
}
void tramp_ii_i(void* code, kiln_vmctx* vm, kiln_val* a) {
  a[0].i32 = static_cast<uint32_t>(reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(code)(
      vm, static_cast<int32_t>(a[0].i32), static_cast<int32_t>(a[1].i32)));
}
void tramp_iiii_i(void* code, kiln_vmctx* vm, kiln_val* a) {
  a[0].i32 = static_cast<uint32_t>(
      reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t, int32_t)>(code)(
          vm, static_cast<int32_t>(a[0].i32), static_cast<int32_t>(a[1].i32), static_cast<int32_t>(a[2].i32),
          static_cast<int32_t>(a[3].i32)));
}

using Trampoline = void (*)(void*, kiln_vmctx*, kiln_val*);

kiln_const_expr constI32(int32_t v) {
  kiln_const_expr e{};
  e.kind = KILN_CONST_I32;
  e.type = KILN_I32;
  e.bits = static_cast<uint32_t>(v);
  return e;
}
kiln_const_expr constI64(int64_t v) {
  kiln_const_expr e{};
  e.kind = KILN_CONST_I64;
  e.type = KILN_I64;
  e.bits = static_cast<uint64_t>(v);
  return e;
}
kiln_const_expr refFunc(uint32_t index) {
  kiln_const_expr e{};
  e.kind = KILN_CONST_REF_FUNC;
  e.type = KILN_FUNCREF;
  e.index = index;
  return e;
}
kiln_const_expr refNull() {
  kiln_const_expr e{};
  e.kind = KILN_CONST_REF_NULL;
  e.type = KILN_FUNCREF;
  return e;
}
kiln_const_expr globalGet(uint32_t index, uint8_t type) {
  kiln_const_expr e{};
  e.kind = KILN_CONST_GLOBAL_GET;
  e.type = type;
  e.index = index;
  return e;
}

// Builds a kiln_module_desc the way the compiler would emit one. Imports of
// each kind must be added before definitions of that kind.
class ModuleBuilder {
 public:
  ModuleBuilder() {
    desc_.abi_version = KILN_ABI_VERSION;
    desc_.flags = KILN_FLAG_MEMORY_PAGE_CAP | KILN_FLAG_STACK_CHECKS | KILN_FLAG_FRAME_POINTERS;
    desc_.kiln_version = "test";
    desc_.start_func = -1;
  }

  uint32_t type(std::vector<uint8_t> params, std::vector<uint8_t> results, Trampoline trampoline) {
    std::vector<uint8_t>& bytes = typeBytes_.emplace_back(params);
    bytes.insert(bytes.end(), results.begin(), results.end());
    types_.push_back(kiln_type_desc{static_cast<uint32_t>(params.size()), static_cast<uint32_t>(results.size()),
                                    bytes.data(), trampoline, nullptr});
    return static_cast<uint32_t>(types_.size() - 1);
  }
  uint32_t func(uint32_t type, void* code, const char* name) {
    funcs_.push_back(kiln_func_desc{type, 0, code, str(name)});
    return static_cast<uint32_t>(funcs_.size() - 1);
  }
  uint32_t importFunc(const char* module, const char* name, uint32_t type) {
    uint32_t index = func(type, nullptr, name);
    addImport(module, name, KILN_EXTERN_FUNC, index);
    ++desc_.num_imported_funcs;
    return index;
  }
  uint32_t table(uint64_t min, uint64_t max = KILN_NO_MAX, uint8_t elemType = KILN_FUNCREF) {
    tables_.push_back(kiln_table_desc{elemType, 0, {}, min, max});
    return static_cast<uint32_t>(tables_.size() - 1);
  }
  uint32_t importTable(const char* module, const char* name, uint64_t min, uint64_t max = KILN_NO_MAX,
                       uint8_t elemType = KILN_FUNCREF) {
    uint32_t index = table(min, max, elemType);
    tables_[index].imported = 1;
    addImport(module, name, KILN_EXTERN_TABLE, index);
    return index;
  }
  void memory(uint64_t min, uint64_t max = KILN_NO_MAX) { memories_.push_back(kiln_memory_desc{0, {}, min, max}); }
  void importMemory(const char* module, const char* name, uint64_t min, uint64_t max = KILN_NO_MAX) {
    memories_.push_back(kiln_memory_desc{1, {}, min, max});
    addImport(module, name, KILN_EXTERN_MEMORY, 0);
  }
  uint32_t global(uint8_t type, bool isMutable, kiln_const_expr init) {
    kiln_global_desc g{};
    g.type = type;
    g.is_mutable = isMutable;
    g.vmctx_offset = nextGlobalOffset();
    g.init = init;
    globals_.push_back(g);
    return static_cast<uint32_t>(globals_.size() - 1);
  }
  uint32_t importGlobal(const char* module, const char* name, uint8_t type, bool isMutable) {
    kiln_global_desc g{};
    g.type = type;
    g.is_mutable = isMutable;
    g.imported = 1;
    g.vmctx_offset = nextGlobalOffset();
    globals_.push_back(g);
    addImport(module, name, KILN_EXTERN_GLOBAL, static_cast<uint32_t>(globals_.size() - 1));
    return static_cast<uint32_t>(globals_.size() - 1);
  }
  void elem(uint8_t mode, uint32_t table, kiln_const_expr offset, std::vector<kiln_const_expr> items) {
    std::vector<kiln_const_expr>& stored = elemItems_.emplace_back(std::move(items));
    kiln_elem_desc e{};
    e.mode = mode;
    e.elem_type = KILN_FUNCREF;
    e.table_index = table;
    e.offset = offset;
    e.num_items = static_cast<uint32_t>(stored.size());
    e.items = stored.data();
    elems_.push_back(e);
  }
  void data(uint8_t mode, kiln_const_expr offset, const std::string& bytes) {
    const std::string& stored = strings_.emplace_back(bytes);
    kiln_data_desc d{};
    d.mode = mode;
    d.offset = offset;
    d.size = stored.size();
    d.bytes = reinterpret_cast<const uint8_t*>(stored.data());
    datas_.push_back(d);
  }
  void exportAs(const char* name, kiln_extern_kind kind, uint32_t index) {
    exports_.push_back(kiln_export_desc{str(name), static_cast<uint32_t>(std::strlen(name)), static_cast<uint8_t>(kind), {}, index, 0});
  }
  void start(uint32_t func) { desc_.start_func = static_cast<int32_t>(func); }

  const kiln_module_desc* build() {
    desc_.vmctx_size = nextGlobalOffset_;
    desc_.num_types = static_cast<uint32_t>(types_.size());
    desc_.types = types_.data();
    desc_.num_imports = static_cast<uint32_t>(imports_.size());
    desc_.imports = imports_.data();
    desc_.num_exports = static_cast<uint32_t>(exports_.size());
    desc_.exports = exports_.data();
    desc_.num_funcs = static_cast<uint32_t>(funcs_.size());
    desc_.funcs = funcs_.data();
    desc_.num_tables = static_cast<uint32_t>(tables_.size());
    desc_.tables = tables_.data();
    desc_.num_memories = static_cast<uint32_t>(memories_.size());
    desc_.memories = memories_.data();
    desc_.num_globals = static_cast<uint32_t>(globals_.size());
    desc_.globals = globals_.data();
    desc_.num_elems = static_cast<uint32_t>(elems_.size());
    desc_.elems = elems_.data();
    desc_.num_datas = static_cast<uint32_t>(datas_.size());
    desc_.datas = datas_.data();
    desc_.code_begin = __start_kiln_test_code;
    desc_.code_end = __stop_kiln_test_code;
    return &desc_;
  }
  kiln_module_desc& desc() { return desc_; }

 private:
  const char* str(const char* s) { return s ? strings_.emplace_back(s).c_str() : nullptr; }
  void addImport(const char* module, const char* name, kiln_extern_kind kind, uint32_t index) {
    imports_.push_back(kiln_import_desc{str(module), str(name), static_cast<uint32_t>(std::strlen(module)), static_cast<uint32_t>(std::strlen(name)), static_cast<uint8_t>(kind), {}, index});
  }
  uint32_t nextGlobalOffset() {
    uint32_t offset = nextGlobalOffset_;
    nextGlobalOffset_ += 16;
    return offset;
  }

  kiln_module_desc desc_{};
  std::deque<std::vector<uint8_t>> typeBytes_;
  std::deque<std::vector<kiln_const_expr>> elemItems_;
  std::deque<std::string> strings_;
  std::vector<kiln_type_desc> types_;
  std::vector<kiln_import_desc> imports_;
  std::vector<kiln_export_desc> exports_;
  std::vector<kiln_func_desc> funcs_;
  std::vector<kiln_table_desc> tables_;
  std::vector<kiln_memory_desc> memories_;
  std::vector<kiln_global_desc> globals_;
  std::vector<kiln_elem_desc> elems_;
  std::vector<kiln_data_desc> datas_;
  uint32_t nextGlobalOffset_ = kGlobal0;  // after the header (64), 16-aligned
};

void* fn(auto* f) { return reinterpret_cast<void*>(f); }

// The main test module:
//   types: 0 (i32,i32)->i32, 1 ()->i32, 2 (i32)->i32, 3 ()->()
//   funcs: 0 add, 1 get_g0, 2 load, 3 far_load, 4 div_helper, 5 outer,
//          6 recurse, 7 call_indirect, 8 run_op, 9 recurse_unchecked
//   memory 1..2 pages; data "hello" at 16 (active), "XYZ" (passive)
//   globals: 0 i32 42, 1 mut i64 -1, 2 funcref ref.func 1
//   table 0: 4..10 funcref; elem active @1 [add, get_g0]; passive [get_g0, null]; declarative [add]
struct MainModule {
  ModuleBuilder b;
  const kiln_module_desc* desc;
  MainModule() {
    uint32_t tII = b.type({KILN_I32, KILN_I32}, {KILN_I32}, tramp_ii_i);
    uint32_t tVI = b.type({}, {KILN_I32}, tramp_v_i);
    uint32_t tI = b.type({KILN_I32}, {KILN_I32}, tramp_i_i);
    b.type({}, {}, tramp_v_v);
    b.func(tII, fn(w_add), "add");
    b.func(tVI, fn(w_get_g0), "get_g0");
    b.func(tI, fn(w_load), "load");
    b.func(tVI, fn(w_far_load), "far_load");
    b.func(tI, fn(div_helper), "div_helper");
    b.func(tI, fn(w_outer), "outer");
    b.func(tI, fn(w_recurse), "recurse");
    b.func(tI, fn(w_call_indirect), "call_indirect");
    b.func(tVI, fn(w_run_op), "run_op");
    b.func(tI, fn(w_recurse_unchecked), "recurse_unchecked");
    b.memory(1, 2);
    b.data(KILN_SEGMENT_ACTIVE, constI32(16), "hello");
    b.data(KILN_SEGMENT_PASSIVE, constI32(0), "XYZ");
    b.global(KILN_I32, false, constI32(42));
    b.global(KILN_I64, true, constI64(-1));
    b.global(KILN_FUNCREF, false, refFunc(1));
    b.table(4, 10);
    b.elem(KILN_SEGMENT_ACTIVE, 0, constI32(1), {refFunc(0), refFunc(1)});
    b.elem(KILN_SEGMENT_PASSIVE, 0, constI32(0), {refFunc(1), refNull()});
    b.elem(KILN_SEGMENT_DECLARATIVE, 0, constI32(0), {refFunc(0)});
    const char* names[] = {"add", "get_g0", "load", "far_load", "div_helper", "outer", "recurse", "call_indirect",
                           "run_op", "recurse_unchecked"};
    for (uint32_t i = 0; i < 10; ++i) b.exportAs(names[i], KILN_EXTERN_FUNC, i);
    b.exportAs("mem", KILN_EXTERN_MEMORY, 0);
    b.exportAs("tab", KILN_EXTERN_TABLE, 0);
    b.exportAs("g0", KILN_EXTERN_GLOBAL, 0);
    b.exportAs("g1", KILN_EXTERN_GLOBAL, 1);
    desc = b.build();
  }
};

// The store of the running test: every test starts with a fresh one.
kiln::Store& testStore() {
  static std::string test;
  static std::unique_ptr<kiln::Store> store;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "";
  if (!store || name != test) {
    store.reset();
    store = std::make_unique<kiln::Store>();
    test = name;
  }
  return *store;
}

kiln::Instance* instantiate(const kiln_module_desc* desc, const kiln::ImportResolver& resolver = {},
                            kiln::InstantiateError* error = nullptr, kiln::Store* store = nullptr) {
  kiln::InstantiateError local;
  kiln::Instance* inst = (store ? *store : testStore()).instantiate(desc, resolver, error ? error : &local);
  if (!error) {
    EXPECT_TRUE(inst) << local.message;
  }
  return inst;
}

kiln_func* exportFunc(kiln::Instance& inst, const char* name) {
  auto ext = inst.exportNamed(name);
  EXPECT_TRUE(ext && ext->kind == KILN_EXTERN_FUNC) << name;
  return ext ? ext->func : nullptr;
}

// Calls an export with i32 arguments; returns the trap, if any, and the
// first result in *result.
std::optional<kiln::Trap> call(kiln::Instance& inst, const char* name, std::vector<int32_t> args,
                               int32_t* result = nullptr) {
  std::vector<kiln_val> vals(args.size() + 1);
  for (size_t i = 0; i < args.size(); ++i) {
    vals[i].i64 = 0;
    vals[i].i32 = static_cast<uint32_t>(args[i]);
  }
  auto trap = inst.call(exportFunc(inst, name), vals.data());
  if (result) *result = static_cast<int32_t>(vals[0].i32);
  return trap;
}

int32_t callOk(kiln::Instance& inst, const char* name, std::vector<int32_t> args = {}) {
  int32_t result = 0;
  auto trap = call(inst, name, std::move(args), &result);
  EXPECT_FALSE(trap) << name << ": " << trap->report();
  return result;
}

kiln_trap_code trapCode(const std::optional<kiln::Trap>& trap) { return trap ? trap->code : KILN_TRAP_NONE; }

// Runs gOp inside the instance; returns the trap code (or NONE).
kiln_trap_code runOp(kiln::Instance& inst, Op op, int32_t* result = nullptr) {
  gOp = op;
  return trapCode(call(inst, "run_op", {}, result));
}

}  // namespace

// ---- Traps: messages and reports -------------------------------------------------

TEST(RuntimeTrap, MessagesMatchTheSpecTests) {
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_UNREACHABLE), "unreachable");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_MEMORY_OUT_OF_BOUNDS), "out of bounds memory access");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_TABLE_OUT_OF_BOUNDS), "out of bounds table access");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_INDIRECT_CALL_NULL), "uninitialized element");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_UNDEFINED_ELEMENT), "undefined element");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH), "indirect call type mismatch");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_INTEGER_DIVIDE_BY_ZERO), "integer divide by zero");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_INTEGER_OVERFLOW), "integer overflow");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_INVALID_CONVERSION), "invalid conversion to integer");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_STACK_OVERFLOW), "call stack exhausted");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_INTERRUPTED), "interrupted");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_OUT_OF_MEMORY), "out of memory");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_UNALIGNED_ATOMIC), "unaligned atomic");
  EXPECT_STREQ(kiln::trapMessage(KILN_TRAP_NULL_REFERENCE), "null reference");
  for (int c = 1; c < KILN_TRAP_COUNT_; ++c) {
    EXPECT_STRNE(kiln::trapName(static_cast<kiln_trap_code>(c)), "unknown");
    EXPECT_STRNE(kiln::trapMessage(static_cast<kiln_trap_code>(c)), "unknown trap");
  }
}

TEST(RuntimeTrap, ReportFormat) {
  kiln::Trap trap;
  trap.code = KILN_TRAP_INTEGER_DIVIDE_BY_ZERO;
  trap.frames = {"div_helper", "main", "_start"};
  EXPECT_EQ(trap.report(),
            "kiln: trap: integer divide by zero (divide_by_zero)\n"
            "  at #0 div_helper\n"
            "  at #1 main\n"
            "  at #2 _start\n");
}

TEST(RuntimeTrap, ExplicitTrapUnwindsWithBacktrace) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOk(*inst, "outer", {5}), 21);
  auto trap = call(*inst, "outer", {0});
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, KILN_TRAP_INTEGER_DIVIDE_BY_ZERO);
  EXPECT_FALSE(trap->exitStatus);
  ASSERT_EQ(trap->frames.size(), 2u) << trap->report();
  EXPECT_EQ(trap->frames[0], "div_helper");
  EXPECT_EQ(trap->frames[1], "outer");
  EXPECT_EQ(trap->report(), "kiln: trap: integer divide by zero (divide_by_zero)\n  at #0 div_helper\n  at #1 outer\n");
  // The instance is still usable after a trap.
  EXPECT_EQ(callOk(*inst, "add", {2, 40}), 42);
}

TEST(RuntimeTrap, GuardPageFaultIsAMemoryTrap) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  auto trap = call(*inst, "far_load", {});
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  ASSERT_FALSE(trap->frames.empty());
  EXPECT_EQ(trap->frames[0], "far_load");
  // Just past the committed page.
  EXPECT_EQ(callOk(*inst, "load", {65532}), 0);
  EXPECT_EQ(trapCode(call(*inst, "load", {65533})), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(trapCode(call(*inst, "load", {-4})), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  // After a grow the page is readable.
  EXPECT_EQ(runOp(*inst, Op{kMGrow, 1, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(callOk(*inst, "load", {65536}), 0);
  // And many faults in a row work (the signal mask is restored each time).
  for (int i = 0; i < 100; ++i) EXPECT_EQ(trapCode(call(*inst, "far_load", {})), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
}

TEST(RuntimeTrap, StackOverflowByLimitCheck) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  for (int round = 0; round < 3; ++round) {
    auto trap = call(*inst, "recurse", {0});
    ASSERT_TRUE(trap);
    EXPECT_EQ(trap->code, KILN_TRAP_STACK_OVERFLOW);
    EXPECT_EQ(trap->frames.size(), 128u);
    EXPECT_GT(trap->droppedFrames, 1000u);
    EXPECT_EQ(trap->frames[0], "recurse");
    EXPECT_NE(trap->report().find("more frames"), std::string::npos);
  }
  EXPECT_EQ(callOk(*inst, "add", {1, 2}), 3);
}

TEST(RuntimeTrap, StackOverflowByGuardPageOnAThread) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  // A thread with a 1 MiB stack; the unchecked recursion runs into the
  // guard page below it and the fault handler (on the alternate stack)
  // turns the fault into a trap.
  kiln_trap_code code = KILN_TRAP_NONE;
  std::string first;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 1 << 20);
  struct Ctx {
    kiln::Instance* inst;
    kiln_trap_code* code;
    std::string* first;
  } ctx{inst, &code, &first};
  pthread_t thread;
  ASSERT_EQ(pthread_create(
                &thread, &attr,
                [](void* p) -> void* {
                  auto* c = static_cast<Ctx*>(p);
                  auto trap = call(*c->inst, "recurse_unchecked", {0});
                  *c->code = trapCode(trap);
                  if (trap && !trap->frames.empty()) *c->first = trap->frames[0];
                  // Checked recursion on the same small stack.
                  auto again = call(*c->inst, "recurse", {0});
                  if (trapCode(again) != KILN_TRAP_STACK_OVERFLOW) *c->code = KILN_TRAP_NONE;
                  return nullptr;
                },
                &ctx),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  EXPECT_EQ(code, KILN_TRAP_STACK_OVERFLOW);
  EXPECT_EQ(first, "recurse_unchecked");
}

// A fault in host code: a write to an inaccessible page (not a null store,
// which UBSan would report and exit on before any signal is raised).
[[maybe_unused]] static void hostFault() {
  void* page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  *static_cast<volatile int*>(page) = 1;
}

TEST(RuntimeTrapDeathTest, HostFaultStillCrashes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  // A fault in host code (not compiled code) is not a trap: it must crash.
  EXPECT_DEATH(
      {
        call(*inst, "add", {1, 2});  // installs the handler
        hostFault();
      },
      "");
}

TEST(RuntimeTrap, KilnTrapOutsideACallAborts) {
  EXPECT_DEATH(kiln_rt_trap(nullptr, KILN_TRAP_UNREACHABLE, UINT32_MAX), "trap outside of any call into wasm");
}

// ---- Instantiation ------------------------------------------------------------

TEST(RuntimeInstance, RejectsOtherAbiVersionsAndFlags) {
  MainModule m;
  m.b.desc().abi_version = 99;
  kiln::InstantiateError error;
  EXPECT_FALSE(instantiate(m.desc, {}, &error));
  EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Other);
  EXPECT_EQ(error.message, "module was compiled for Kiln ABI 99; this runtime is ABI " +
                               std::to_string(KILN_ABI_VERSION) + ": recompile it");
  m.b.desc().abi_version = KILN_ABI_VERSION;
  const uint32_t contract = m.b.desc().flags;
  m.b.desc().flags = contract | 0x80;
  EXPECT_FALSE(instantiate(m.desc, {}, &error));
  EXPECT_NE(error.message.find("does not support"), std::string::npos) << error.message;
  // A module made without the stack and memory contract this runtime keeps.
  m.b.desc().flags = contract & ~KILN_FLAG_STACK_CHECKS;
  EXPECT_FALSE(instantiate(m.desc, {}, &error));
  EXPECT_NE(error.message.find("contract"), std::string::npos) << error.message;
  m.b.desc().flags = contract | KILN_FLAG_EXPLICIT_BOUNDS_CHECKS;
  EXPECT_TRUE(instantiate(m.desc, {}, &error)) << error.message;
}

TEST(RuntimeInstance, GlobalsDataAndElements) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  kiln_vmctx* vm = inst->vmctx();
  EXPECT_EQ(callOk(*inst, "get_g0"), 42);
  EXPECT_EQ(at<int64_t>(vm, kGlobal1), -1);
  EXPECT_EQ(at<void*>(vm, kGlobal2), vm->funcs[1]);
  auto g1 = inst->exportNamed("g1");
  ASSERT_TRUE(g1);
  EXPECT_EQ(g1->kind, KILN_EXTERN_GLOBAL);
  EXPECT_EQ(g1->globalType, KILN_I64);
  EXPECT_TRUE(g1->globalMutable);
  EXPECT_EQ(reinterpret_cast<char*>(g1->global), reinterpret_cast<char*>(vm) + kGlobal1);

  ASSERT_TRUE(vm->memory);
  EXPECT_EQ(vm->memory_base, vm->memory->base);
  EXPECT_EQ(vm->memory->size, 65536u);
  EXPECT_EQ(vm->memory->max_pages, 2u);
  EXPECT_EQ(std::memcmp(vm->memory_base + 16, "hello", 5), 0);

  kiln_table* t = vm->tables[0];
  ASSERT_EQ(t->size, 4u);
  EXPECT_EQ(t->max, 10u);
  EXPECT_EQ(t->elements[0], nullptr);
  EXPECT_EQ(t->elements[1], vm->funcs[0]);
  EXPECT_EQ(t->elements[2], vm->funcs[1]);
  EXPECT_EQ(t->elements[3], nullptr);

  // Defined functions: code, own vmctx, canonical type id, trampoline.
  kiln_func* add = vm->funcs[0];
  EXPECT_EQ(add->code, fn(w_add));
  EXPECT_EQ(add->vmctx, vm);
  EXPECT_EQ(add->type_id, vm->type_ids[0]);
  EXPECT_EQ(exportFunc(*inst, "add"), add);
  EXPECT_NE(vm->type_ids[0], vm->type_ids[1]);
  EXPECT_EQ(vm->type_ids[1], vm->funcs[3]->type_id);  // far_load: ()->i32

  auto names = inst->exportNames();
  EXPECT_EQ(names.size(), 14u);
  EXPECT_FALSE(inst->exportNamed("nope"));
  EXPECT_EQ(inst->module(), m.desc);
}

TEST(RuntimeInstance, CallIndirectConvention) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOk(*inst, "call_indirect", {1}), 5);  // add(2, 3)
  EXPECT_EQ(trapCode(call(*inst, "call_indirect", {0})), KILN_TRAP_INDIRECT_CALL_NULL);
  EXPECT_EQ(trapCode(call(*inst, "call_indirect", {2})), KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
  EXPECT_EQ(trapCode(call(*inst, "call_indirect", {4})), KILN_TRAP_UNDEFINED_ELEMENT);
  // A function of the same signature from another instance (another
  // module, even) passes the signature check.
  MainModule other;
  auto inst2 = instantiate(other.desc);
  ASSERT_TRUE(inst2);
  inst->vmctx()->tables[0]->elements[3] = inst2->vmctx()->funcs[0];
  EXPECT_EQ(callOk(*inst, "call_indirect", {3}), 5);
}

TEST(RuntimeInstance, StartFunction) {
  {
    ModuleBuilder b;
    uint32_t tV = b.type({}, {}, tramp_v_v);
    uint32_t tVI = b.type({}, {KILN_I32}, tramp_v_i);
    b.global(KILN_I32, true, constI32(0));
    uint32_t start = b.func(tV, fn(w_start_set_g0), "start");
    b.func(tVI, fn(w_get_g0), "get_g0");
    b.exportAs("get_g0", KILN_EXTERN_FUNC, 1);
    b.start(start);
    // A store of its own, gone before the descriptor it was made from (the
    // test's store outlives this block, and the runtime reads the
    // descriptors of its instances, for one when it names trap frames).
    kiln::Store store;
    auto inst = instantiate(b.build(), {}, nullptr, &store);
    ASSERT_TRUE(inst);
    EXPECT_EQ(callOk(*inst, "get_g0"), 1234);
  }
  {
    ModuleBuilder b;
    uint32_t tV = b.type({}, {}, tramp_v_v);
    b.start(b.func(tV, fn(w_start_unreachable), "my_start"));
    kiln::InstantiateError error;
    EXPECT_FALSE(instantiate(b.build(), {}, &error));
    EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Trap);
    ASSERT_TRUE(error.trap);
    EXPECT_EQ(error.trap->code, KILN_TRAP_UNREACHABLE);
    EXPECT_EQ(error.message, "unreachable");
    ASSERT_EQ(error.trap->frames.size(), 1u);
    EXPECT_EQ(error.trap->frames[0], "my_start");
  }
}

namespace {

// Module "A" exports a function, memory, table and globals; B imports them.
struct Exporter {
  MainModule m;
  kiln::Instance* inst = instantiate(m.desc);
  kiln::ImportResolver resolver() {
    kiln::ImportResolver r;
    r.external = [this](std::string_view module, std::string_view name) -> std::optional<kiln::Extern> {
      if (module != "A") return std::nullopt;
      return inst->exportNamed(name);
    };
    return r;
  }
};

}  // namespace

TEST(RuntimeInstance, ImportsFromAnotherInstance) {
  Exporter a;
  ASSERT_TRUE(a.inst);
  ModuleBuilder b;
  uint32_t tII = b.type({KILN_I32, KILN_I32}, {KILN_I32}, tramp_ii_i);
  uint32_t tI = b.type({KILN_I32}, {KILN_I32}, tramp_i_i);
  b.importFunc("A", "add", tII);
  b.importTable("A", "tab", 4, 20);
  b.importMemory("A", "mem", 1, 2);
  b.importGlobal("A", "g0", KILN_I32, false);
  b.importGlobal("A", "g1", KILN_I64, true);
  b.global(KILN_I32, false, globalGet(0, KILN_I32));  // = A.g0
  b.func(tII, fn(w_call_import0), "call_add");
  b.func(tI, fn(w_load), "load");
  b.exportAs("call_add", KILN_EXTERN_FUNC, 1);
  b.exportAs("load", KILN_EXTERN_FUNC, 2);
  b.exportAs("add_again", KILN_EXTERN_FUNC, 0);  // re-export of the import
  b.elem(KILN_SEGMENT_ACTIVE, 0, constI32(3), {refFunc(1)});
  b.data(KILN_SEGMENT_ACTIVE, constI32(100), "B was here");
  auto inst = instantiate(b.build(), a.resolver());
  ASSERT_TRUE(inst);
  kiln_vmctx* avm = a.inst->vmctx();
  kiln_vmctx* bvm = inst->vmctx();
  EXPECT_EQ(bvm->funcs[0], avm->funcs[0]);
  EXPECT_EQ(exportFunc(*inst, "add_again"), avm->funcs[0]);
  EXPECT_EQ(bvm->memory, avm->memory);
  EXPECT_EQ(bvm->memory_base, avm->memory_base);
  EXPECT_EQ(bvm->tables[0], avm->tables[0]);
  EXPECT_EQ(at<kiln_val*>(bvm, kGlobal0), reinterpret_cast<kiln_val*>(reinterpret_cast<char*>(avm) + kGlobal0));
  EXPECT_EQ(at<int32_t>(bvm, kGlobal0 + 32), 42);  // B's own global, from A.g0
  EXPECT_EQ(callOk(*inst, "call_add", {20, 22}), 42);
  // B's segments wrote into A's memory and table.
  EXPECT_EQ(std::memcmp(avm->memory_base + 100, "B was here", 10), 0);
  EXPECT_EQ(avm->tables[0]->elements[3], bvm->funcs[1]);
  EXPECT_EQ(callOk(*inst, "load", {16}), callOk(*a.inst, "load", {16}));
  // A mutable imported global is shared.
  at<kiln_val*>(bvm, kGlobal1)->i64 = 77;
  EXPECT_EQ(at<int64_t>(avm, kGlobal1), 77);
}

TEST(RuntimeInstance, ImportedObjectsLiveAsLongAsTheStore) {
  auto a = std::make_unique<Exporter>();
  ModuleBuilder b;
  uint32_t tII = b.type({KILN_I32, KILN_I32}, {KILN_I32}, tramp_ii_i);
  uint32_t tI = b.type({KILN_I32}, {KILN_I32}, tramp_i_i);
  b.importFunc("A", "add", tII);
  b.importMemory("A", "mem", 1);
  b.func(tII, fn(w_call_import0), "call_add");
  b.func(tI, fn(w_load), "load");
  b.exportAs("call_add", KILN_EXTERN_FUNC, 1);
  b.exportAs("load", KILN_EXTERN_FUNC, 2);
  auto inst = instantiate(b.build(), a->resolver());
  ASSERT_TRUE(inst);
  a.reset();  // A's handle goes; the store keeps A for B
  EXPECT_EQ(callOk(*inst, "call_add", {1, 2}), 3);
  EXPECT_EQ(callOk(*inst, "load", {16}), 'h' | 'e' << 8 | 'l' << 16 | 'l' << 24);
}

TEST(RuntimeInstance, UnlinkableImports) {
  Exporter a;
  ASSERT_TRUE(a.inst);
  auto expectUnlinkable = [&](ModuleBuilder& b, const std::string& message) {
    kiln::InstantiateError error;
    EXPECT_FALSE(instantiate(b.build(), a.resolver(), &error));
    EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Unlinkable);
    EXPECT_EQ(error.message, message);
  };
  {
    ModuleBuilder b;
    b.importFunc("A", "missing", b.type({}, {}, tramp_v_v));
    expectUnlinkable(b, "unknown import A.missing");
  }
  {
    ModuleBuilder b;
    b.importFunc("nowhere", "add", b.type({}, {}, tramp_v_v));
    expectUnlinkable(b, "unknown import nowhere.add");
  }
  {
    ModuleBuilder b;  // wrong signature
    b.importFunc("A", "add", b.type({KILN_I32}, {KILN_I32}, tramp_i_i));
    expectUnlinkable(b, "incompatible import type for A.add");
  }
  {
    ModuleBuilder b;  // wrong kind
    b.importFunc("A", "mem", b.type({}, {}, tramp_v_v));
    expectUnlinkable(b, "incompatible import type for A.mem");
  }
  {
    ModuleBuilder b;  // A.mem has max 2; asking for max 1 fails
    b.importMemory("A", "mem", 1, 1);
    expectUnlinkable(b, "incompatible import type for A.mem");
  }
  {
    ModuleBuilder b;  // min larger than the current size
    b.importMemory("A", "mem", 2);
    expectUnlinkable(b, "incompatible import type for A.mem");
  }
  {
    ModuleBuilder b;  // A.tab: 4..10
    b.importTable("A", "tab", 5);
    expectUnlinkable(b, "incompatible import type for A.tab");
  }
  {
    ModuleBuilder b;
    b.importTable("A", "tab", 4, 9);
    expectUnlinkable(b, "incompatible import type for A.tab");
  }
  {
    ModuleBuilder b;
    b.importTable("A", "tab", 1, KILN_NO_MAX, KILN_EXTERNREF);
    expectUnlinkable(b, "incompatible import type for A.tab");
  }
  {
    ModuleBuilder b;  // mutability must match
    b.importGlobal("A", "g0", KILN_I32, true);
    expectUnlinkable(b, "incompatible import type for A.g0");
  }
  {
    ModuleBuilder b;  // type must match
    b.importGlobal("A", "g1", KILN_I32, true);
    expectUnlinkable(b, "incompatible import type for A.g1");
  }
  {
    ModuleBuilder b;  // these all fit
    b.importMemory("A", "mem", 0, 3);
    b.importTable("A", "tab", 2, 10);
    b.importGlobal("A", "g1", KILN_I64, true);
    EXPECT_TRUE(instantiate(b.build(), a.resolver()));
  }
}

TEST(RuntimeInstance, SegmentsOutOfBoundsTrapAndEarlierWritesPersist) {
  // Kept for good: the failed instance below keeps A's instance alive, and
  // with it A's descriptor must stay.
  Exporter& a = *new Exporter;
  ASSERT_TRUE(a.inst);
  kiln_vmctx* avm = a.inst->vmctx();
  {
    // The runtime keeps a failed instance that imports a table (its
    // functions may be in that table), so its descriptor must stay too.
    ModuleBuilder& b = *new ModuleBuilder;
    uint32_t tII = b.type({KILN_I32, KILN_I32}, {KILN_I32}, tramp_ii_i);
    b.importTable("A", "tab", 4);
    b.func(tII, fn(w_add), "b_add");
    b.elem(KILN_SEGMENT_ACTIVE, 0, constI32(0), {refFunc(0)});
    b.elem(KILN_SEGMENT_ACTIVE, 0, constI32(3), {refFunc(0), refFunc(0)});  // 3 + 2 > 4
    kiln::InstantiateError error;
    EXPECT_FALSE(instantiate(b.build(), a.resolver(), &error));
    EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Trap);
    EXPECT_EQ(error.message, "out of bounds table access");
    ASSERT_TRUE(error.trap);
    EXPECT_EQ(error.trap->code, KILN_TRAP_TABLE_OUT_OF_BOUNDS);
    // The first segment's write stays, and the function it wrote still works.
    auto* f = static_cast<kiln_func*>(avm->tables[0]->elements[0]);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(callOk(*a.inst, "call_indirect", {0}), 5);
  }
  {
    ModuleBuilder b;
    b.importMemory("A", "mem", 1);
    b.data(KILN_SEGMENT_ACTIVE, constI32(0), "ok");
    b.data(KILN_SEGMENT_ACTIVE, constI32(65535), "xx");  // one byte too far
    kiln::InstantiateError error;
    EXPECT_FALSE(instantiate(b.build(), a.resolver(), &error));
    EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Trap);
    EXPECT_EQ(error.message, "out of bounds memory access");
    EXPECT_EQ(std::memcmp(avm->memory_base, "ok", 2), 0);
    EXPECT_EQ(avm->memory_base[65535], 0);
  }
  {
    ModuleBuilder& b = *new ModuleBuilder;  // an empty segment just past the end still traps
    b.importTable("A", "tab", 4);
    b.elem(KILN_SEGMENT_ACTIVE, 0, constI32(11), {});
    kiln::InstantiateError error;
    EXPECT_FALSE(instantiate(b.build(), a.resolver(), &error));
    EXPECT_EQ(error.message, "out of bounds table access");
  }
}

namespace {

kiln_vmctx* gHostSawVmctx;
void* gHostSawEnv;
char gEnvTag;

int32_t host_twice(kiln_vmctx* vm, int32_t x) {
  gHostSawVmctx = vm;
  gHostSawEnv = kiln::hostEnv(vm, &gEnvTag);
  return 2 * x;
}

kiln::Instance* gNestedInst;
int32_t host_nested(kiln_vmctx*, int32_t x) {
  // host -> wasm again, with a trap inside: the inner call gets the trap,
  // the outer one continues.
  auto trap = call(*gNestedInst, "outer", {0});
  if (!trap || trap->code != KILN_TRAP_INTEGER_DIVIDE_BY_ZERO || trap->frames.size() != 2) return -1;
  int32_t r = 0;
  if (call(*gNestedInst, "outer", {x}, &r)) return -2;
  return r;
}

}  // namespace

TEST(RuntimeInstance, HostFunctionImports) {
  int env = 0;
  ModuleBuilder b;
  uint32_t tI = b.type({KILN_I32}, {KILN_I32}, tramp_i_i);
  b.importFunc("host", "twice", tI);
  b.func(tI, fn(w_call_import0_i), "call_twice");
  b.exportAs("call_twice", KILN_EXTERN_FUNC, 1);
  const kiln_module_desc* desc = b.build();
  kiln::ImportResolver resolver;
  resolver.hostFunc = [&](std::string_view module, std::string_view name) -> std::optional<kiln::HostFunc> {
    if (module != "host" || name != "twice") return std::nullopt;
    kiln::HostFunc f;
    f.code = fn(host_twice);
    f.params = {KILN_I32};
    f.results = {KILN_I32};
    f.envTag = &gEnvTag;
    f.env = &env;
    return f;
  };
  auto inst = instantiate(desc, resolver);
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOk(*inst, "call_twice", {21}), 42);
  EXPECT_EQ(gHostSawVmctx, inst->vmctx());
  EXPECT_EQ(gHostSawEnv, &env);
  kiln_func* f = inst->vmctx()->funcs[0];
  EXPECT_EQ(f->vmctx, inst->vmctx());
  EXPECT_EQ(f->type_id, inst->vmctx()->type_ids[tI]);
  EXPECT_EQ(kiln::hostEnv(inst->vmctx(), &env), nullptr);  // unknown tag

  // A host function with the wrong signature is incompatible.
  resolver.hostFunc = [&](std::string_view, std::string_view) -> std::optional<kiln::HostFunc> {
    return kiln::HostFunc{fn(host_twice), {KILN_I64}, {KILN_I32}};
  };
  kiln::InstantiateError error;
  EXPECT_FALSE(instantiate(desc, resolver, &error));
  EXPECT_EQ(error.message, "incompatible import type for host.twice");
}

TEST(RuntimeInstance, NestedCallsThroughHostFunctions) {
  MainModule m;
  auto mainInst = instantiate(m.desc);
  ASSERT_TRUE(mainInst);
  gNestedInst = mainInst;
  ModuleBuilder b;
  uint32_t tI = b.type({KILN_I32}, {KILN_I32}, tramp_i_i);
  b.importFunc("host", "nested", tI);
  b.func(tI, fn(w_call_import0_i), "call_nested");
  b.exportAs("call_nested", KILN_EXTERN_FUNC, 1);
  kiln::ImportResolver resolver;
  resolver.hostFunc = [&](std::string_view, std::string_view) -> std::optional<kiln::HostFunc> {
    return kiln::HostFunc{fn(host_nested), {KILN_I32}, {KILN_I32}};
  };
  auto inst = instantiate(b.build(), resolver);
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOk(*inst, "call_nested", {4}), 26);
}

TEST(RuntimeInstance, HostObjectsOfTheStore) {
  kiln::Store& store = testStore();
  auto mem = store.memory(1, 2);
  auto tab = store.table(KILN_FUNCREF, 10, 20);
  kiln_val v{};
  v.i32 = 666;
  auto glob = store.global(KILN_I32, false, v);
  ASSERT_TRUE(mem && tab);
  std::string error;
  EXPECT_FALSE(store.memory(70000, KILN_NO_MAX, &error));
  EXPECT_FALSE(error.empty());

  ModuleBuilder b;
  uint32_t tVI = b.type({}, {KILN_I32}, tramp_v_i);
  b.importTable("spectest", "table", 10, 20);
  b.importMemory("spectest", "memory", 1, 2);
  b.importGlobal("spectest", "global_i32", KILN_I32, false);
  b.func(tVI, fn(w_get_g0), "get_g0");
  b.exportAs("get_g0", KILN_EXTERN_FUNC, 0);
  kiln::ImportResolver resolver;
  resolver.external = [&](std::string_view, std::string_view name) -> std::optional<kiln::Extern> {
    if (name == "table") return tab;
    if (name == "memory") return mem;
    if (name == "global_i32") return glob;
    return std::nullopt;
  };
  auto inst = instantiate(b.build(), resolver);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->vmctx()->memory, mem->memory);
  EXPECT_EQ(inst->vmctx()->tables[0], tab->table);
  EXPECT_EQ(at<kiln_val*>(inst->vmctx(), kGlobal0)->i32, 666u);

  // The same objects do not link into another store.
  kiln::Store other;
  kiln::InstantiateError linkError;
  EXPECT_FALSE(other.instantiate(b.build(), resolver, &linkError));
  EXPECT_EQ(linkError.kind, kiln::InstantiateError::Kind::Unlinkable);
  EXPECT_NE(linkError.message.find("is not an object of this store"), std::string::npos) << linkError.message;
}

TEST(RuntimeInstance, CallsFromAnotherThread) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  kiln_trap_code code = KILN_TRAP_NONE;
  int32_t sum = 0;
  std::thread t([&] {
    sum = callOk(*inst, "add", {3, 4});
    code = trapCode(call(*inst, "far_load", {}));
  });
  t.join();
  EXPECT_EQ(sum, 7);
  EXPECT_EQ(code, KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(trapCode(call(*inst, "recurse", {0})), KILN_TRAP_STACK_OVERFLOW);  // limit reset for this thread
}

// ---- memory.grow and the bulk-memory / table entry points ------------------------

TEST(RuntimeEntry, MemoryGrow) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  kiln_vmctx* vm = inst->vmctx();
  uint8_t* base = vm->memory_base;
  int32_t r = 0;
  EXPECT_EQ(runOp(*inst, Op{kMGrow, 0, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 1);
  EXPECT_EQ(runOp(*inst, Op{kMGrow, 1, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 1);
  EXPECT_EQ(vm->memory->size, 2u * 65536);
  EXPECT_EQ(vm->memory_base, base);  // never moves
  EXPECT_EQ(base[2 * 65536 - 1], 0);
  base[2 * 65536 - 1] = 1;  // writable
  EXPECT_EQ(runOp(*inst, Op{kMGrow, 1, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);  // max is 2
  EXPECT_EQ(vm->memory->size, 2u * 65536);

  // Without a declared maximum the cap is 65535 pages (4 GiB - 64 KiB: the
  // compiler relies on it, see rt_memory.h); growing to 65536 fails.
  ModuleBuilder b;
  b.type({}, {KILN_I32}, tramp_v_i);
  b.memory(0);
  b.func(0, fn(w_run_op), "run_op");
  b.exportAs("run_op", KILN_EXTERN_FUNC, 0);
  auto inst2 = instantiate(b.build());
  ASSERT_TRUE(inst2);
  EXPECT_EQ(inst2->vmctx()->memory->max_pages, 65535u);
  EXPECT_EQ(inst2->vmctx()->memory->size, 0u);
  EXPECT_EQ(runOp(*inst2, Op{kMGrow, 65536, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(runOp(*inst2, Op{kMGrow, 65537, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(runOp(*inst2, Op{kMGrow, 0xFFFFFFFFu, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(runOp(*inst2, Op{kMGrow, 3, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(inst2->vmctx()->memory->size, 3u * 65536);
}

TEST(RuntimeEntry, MemoryFillCopyInit) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  uint8_t* mem = inst->vmctx()->memory_base;
  const uint32_t size = 65536;

  // fill
  EXPECT_EQ(runOp(*inst, Op{kFill, 200, 0x1AB, 4, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(mem[200], 0xAB);
  EXPECT_EQ(mem[203], 0xAB);
  EXPECT_EQ(mem[204], 0);
  EXPECT_EQ(runOp(*inst, Op{kFill, size - 4, 7, 4, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kFill, size, 7, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kFill, size + 1, 7, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kFill, size - 8, 9, 9, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(mem[size - 8], 0);  // nothing written before the trap
  EXPECT_EQ(runOp(*inst, Op{kFill, 0xFFFFFFFFu, 1, 2, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);

  // copy (overlapping, both directions)
  std::memcpy(mem + 300, "abcdef", 6);
  EXPECT_EQ(runOp(*inst, Op{kCopy, 302, 300, 4, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(std::memcmp(mem + 300, "ababcd", 6), 0);
  EXPECT_EQ(runOp(*inst, Op{kCopy, 300, 302, 4, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(std::memcmp(mem + 300, "abcdcd", 6), 0);
  EXPECT_EQ(runOp(*inst, Op{kCopy, size - 2, 300, 3, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(mem[size - 2], 7);  // untouched
  EXPECT_EQ(runOp(*inst, Op{kCopy, 300, size - 2, 3, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kCopy, size, size, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kCopy, size + 1, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);

  // init from the passive segment 1 ("XYZ")
  EXPECT_EQ(runOp(*inst, Op{kInit, 1, 400, 1, 2, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(std::memcmp(mem + 400, "YZ", 2), 0);
  EXPECT_EQ(runOp(*inst, Op{kInit, 1, 400, 2, 2, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kInit, 1, size - 1, 0, 2, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(mem[size - 1], 7);
  EXPECT_EQ(runOp(*inst, Op{kInit, 1, size, 3, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  // the active segment 0 was dropped at instantiation: length 0 only
  EXPECT_EQ(runOp(*inst, Op{kInit, 0, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kInit, 0, 0, 0, 1, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kInit, 0, 0, 1, 0, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  // data.drop
  EXPECT_EQ(runOp(*inst, Op{kDataDrop, 1, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kInit, 1, 400, 0, 1, 0, nullptr, nullptr}), KILN_TRAP_MEMORY_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kInit, 1, 400, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kDataDrop, 1, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);  // twice is fine

  // A trap in an entry point has the compiled caller as frame #0.
  gOp = Op{kFill, size, 0, 1, 0, 0, nullptr, nullptr};
  auto trap = call(*inst, "run_op", {});
  ASSERT_TRUE(trap);
  ASSERT_EQ(trap->frames.size(), 1u);
  EXPECT_EQ(trap->frames[0], "run_op");
}

TEST(RuntimeEntry, TableOperations) {
  MainModule m;
  auto inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  kiln_vmctx* vm = inst->vmctx();
  kiln_table* t = vm->tables[0];
  void* f0 = vm->funcs[0];
  void* f1 = vm->funcs[1];
  int32_t r = 0;

  // get / set
  EXPECT_EQ(runOp(*inst, Op{kTGet, 0, 1, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(gOp.result, f0);
  EXPECT_EQ(runOp(*inst, Op{kTGet, 0, 4, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kTSet, 0, 3, 0, 0, 0, f1, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(t->elements[3], f1);
  EXPECT_EQ(runOp(*inst, Op{kTSet, 0, 4, 0, 0, 0, f1, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);

  // grow: old size or -1, respects max (10), fills with init
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 2, 0, 0, 0, f1, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 4);
  EXPECT_EQ(t->size, 6u);
  EXPECT_EQ(t->elements[4], f1);
  EXPECT_EQ(t->elements[5], f1);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 5, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 6);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 4, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 6);
  EXPECT_EQ(t->size, 10u);
  EXPECT_EQ(t->elements[9], nullptr);

  // fill
  EXPECT_EQ(runOp(*inst, Op{kTFill, 0, 6, 0, 0, 0, f0, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kTFill, 0, 6, 4, 0, 0, f0, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(t->elements[9], f0);
  EXPECT_EQ(runOp(*inst, Op{kTFill, 0, 8, 3, 0, 0, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(t->elements[8], f0);  // untouched
  EXPECT_EQ(runOp(*inst, Op{kTFill, 0, 10, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kTFill, 0, 11, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);

  // copy (overlapping)
  for (uint32_t i = 0; i < 10; ++i) t->elements[i] = reinterpret_cast<void*>(uintptr_t{i + 1});
  EXPECT_EQ(runOp(*inst, Op{kTCopy, 0, 0, 2, 0, 4, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(t->elements[2], reinterpret_cast<void*>(1));
  EXPECT_EQ(t->elements[5], reinterpret_cast<void*>(4));
  EXPECT_EQ(runOp(*inst, Op{kTCopy, 0, 0, 8, 0, 3, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(t->elements[8], reinterpret_cast<void*>(9));
  EXPECT_EQ(runOp(*inst, Op{kTCopy, 0, 0, 0, 8, 3, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kTCopy, 0, 0, 10, 10, 0, nullptr, nullptr}), KILN_TRAP_NONE);

  // init from the passive segment 1 [get_g0, null]
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 1, 0, 0, 2, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(t->elements[0], f1);
  EXPECT_EQ(t->elements[1], nullptr);
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 1, 0, 1, 2, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 1, 9, 0, 2, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 1, 10, 2, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  // active (0) and declarative (2) segments are dropped already
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 0, 0, 0, 1, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 2, 0, 0, 1, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
  EXPECT_EQ(runOp(*inst, Op{kEDrop, 1, 0, 0, 0, 0, nullptr, nullptr}), KILN_TRAP_NONE);
  EXPECT_EQ(runOp(*inst, Op{kTInit, 0, 1, 0, 0, 1, nullptr, nullptr}), KILN_TRAP_TABLE_OUT_OF_BOUNDS);
}

TEST(RuntimeEntry, TableGrowWithoutMaxIsCapped) {
  ModuleBuilder b;
  b.type({}, {KILN_I32}, tramp_v_i);
  b.table(0x10);
  b.func(0, fn(w_run_op), "run_op");
  b.exportAs("run_op", KILN_EXTERN_FUNC, 0);
  auto inst = instantiate(b.build());
  ASSERT_TRUE(inst);
  int32_t r = 0;
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 0xFFFFFFF0u, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 0x10000000u, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 1000, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 0x10);
  EXPECT_EQ(inst->vmctx()->tables[0]->max, UINT32_MAX);
}

// ---- WASI ----------------------------------------------------------------------

namespace {

// A WASI command: imports 0 args_sizes_get, 1 environ_sizes_get,
// 2 proc_exit, 3 fd_write, 4 args_get; one page of memory.
struct WasiModule {
  ModuleBuilder b;
  const kiln_module_desc* desc;
  explicit WasiModule(void* startCode = fn(w_start_exit7)) {
    uint32_t tII = b.type({KILN_I32, KILN_I32}, {KILN_I32}, tramp_ii_i);
    uint32_t tIV = b.type({KILN_I32}, {}, tramp_i_v);
    uint32_t t4 = b.type({KILN_I32, KILN_I32, KILN_I32, KILN_I32}, {KILN_I32}, tramp_iiii_i);
    uint32_t tV = b.type({}, {}, tramp_v_v);
    b.importFunc("wasi_snapshot_preview1", "args_sizes_get", tII);
    b.importFunc("wasi_snapshot_preview1", "environ_sizes_get", tII);
    b.importFunc("wasi_snapshot_preview1", "proc_exit", tIV);
    b.importFunc("wasi_snapshot_preview1", "fd_write", t4);
    b.importFunc("wasi_snapshot_preview1", "args_get", tII);
    b.memory(1);
    b.func(tII, fn(w_call_import0), "args_sizes");
    b.func(tII, fn(w_call_import1), "environ_sizes");
    b.func(tIV, fn(w_call_import2_exit), "exit");
    b.func(t4, fn(w_call_import3_4), "write");
    b.func(tII, fn(w_call_import4), "args");
    b.func(tV, startCode, "_start");
    b.exportAs("args_sizes", KILN_EXTERN_FUNC, 5);
    b.exportAs("environ_sizes", KILN_EXTERN_FUNC, 6);
    b.exportAs("exit", KILN_EXTERN_FUNC, 7);
    b.exportAs("write", KILN_EXTERN_FUNC, 8);
    b.exportAs("args", KILN_EXTERN_FUNC, 9);
    b.exportAs("_start", KILN_EXTERN_FUNC, 10);
    desc = b.build();
  }
};

uint32_t load32(kiln::Instance& inst, uint32_t addr) {
  uint32_t v;
  std::memcpy(&v, inst.vmctx()->memory_base + addr, 4);
  return v;
}

}  // namespace

TEST(RuntimeWasi, ArgsAndEnviron) {
  WasiModule m;
  auto state = kiln::makeWasiState({{"prog", "hello", ""}, {"A=1", "LONGER=value"}});
  auto inst = instantiate(m.desc, kiln::wasiResolver(*state));
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOk(*inst, "args_sizes", {0, 4}), 0);
  EXPECT_EQ(load32(*inst, 0), 3u);
  EXPECT_EQ(load32(*inst, 4), 5u + 6u + 1u);
  EXPECT_EQ(callOk(*inst, "environ_sizes", {8, 12}), 0);
  EXPECT_EQ(load32(*inst, 8), 2u);
  EXPECT_EQ(load32(*inst, 12), 4u + 13u);
  EXPECT_EQ(callOk(*inst, "args", {100, 200}), 0);
  const char* mem = reinterpret_cast<const char*>(inst->vmctx()->memory_base);
  EXPECT_EQ(load32(*inst, 100), 200u);
  EXPECT_STREQ(mem + load32(*inst, 100), "prog");
  EXPECT_STREQ(mem + load32(*inst, 104), "hello");
  EXPECT_STREQ(mem + load32(*inst, 108), "");

  // Bad pointers: EFAULT, and nothing written.
  EXPECT_EQ(callOk(*inst, "args_sizes", {65533, 0}), 21);
  EXPECT_EQ(callOk(*inst, "args_sizes", {0, -1}), 21);
  EXPECT_EQ(callOk(*inst, "args", {65528, 0}), 21);  // 3 pointers need 12 bytes
  EXPECT_EQ(callOk(*inst, "args", {0, 65530}), 21);  // the strings need 12 bytes
  EXPECT_EQ(callOk(*inst, "args_sizes", {65532, 65532}), 0);
}

TEST(RuntimeWasi, FdWriteToAPipe) {
  WasiModule m;
  auto state = kiln::makeWasiState({{"prog"}, {}});
  auto inst = instantiate(m.desc, kiln::wasiResolver(*state));
  ASSERT_TRUE(inst);
  uint8_t* mem = inst->vmctx()->memory_base;
  std::memcpy(mem + 1000, "hello, ", 7);
  std::memcpy(mem + 2000, "world\n", 6);
  uint32_t iovs[] = {1000, 7, 2000, 0, 2000, 6};
  std::memcpy(mem + 64, iovs, sizeof iovs);

  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int saved = dup(2);
  dup2(fds[1], 2);
  int32_t result = callOk(*inst, "write", {2, 64, 3, 32});
  dup2(saved, 2);
  close(saved);
  close(fds[1]);
  EXPECT_EQ(result, 0);
  EXPECT_EQ(load32(*inst, 32), 13u);
  char buf[64] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof buf), 13);
  EXPECT_STREQ(buf, "hello, world\n");
  close(fds[0]);

  EXPECT_EQ(callOk(*inst, "write", {7, 64, 3, 32}), 8);        // EBADF
  EXPECT_EQ(callOk(*inst, "write", {2, 65530, 3, 32}), 21);    // iovec array out of bounds
  uint32_t badIov[] = {65530, 100};
  std::memcpy(mem + 96, badIov, sizeof badIov);
  EXPECT_EQ(callOk(*inst, "write", {2, 96, 1, 32}), 21);       // buffer out of bounds
  EXPECT_EQ(callOk(*inst, "write", {2, 64, 3, 65534}), 21);    // nwritten out of bounds

  // A closed pipe gives EPIPE (with SIGPIPE ignored, as runWasiCommand does).
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  auto previous = signal(SIGPIPE, SIG_IGN);
  saved = dup(2);
  dup2(fds[1], 2);
  result = callOk(*inst, "write", {2, 64, 3, 32});
  dup2(saved, 2);
  close(saved);
  close(fds[1]);
  signal(SIGPIPE, previous);
  EXPECT_EQ(result, 64);
}

TEST(RuntimeWasi, ProcExitUnwinds) {
  WasiModule m;
  auto state = kiln::makeWasiState({{"prog"}, {}});
  auto inst = instantiate(m.desc, kiln::wasiResolver(*state));
  ASSERT_TRUE(inst);
  auto trap = call(*inst, "_start", {});
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, KILN_TRAP_NONE);
  ASSERT_TRUE(trap->exitStatus);
  EXPECT_EQ(*trap->exitStatus, 7);
  EXPECT_EQ(kiln::wasiExitCode(*state), 7);
  EXPECT_EQ(trap->report(), "kiln: guest exited with status 7\n");
  auto again = call(*inst, "exit", {0});
  ASSERT_TRUE(again && again->exitStatus);
  EXPECT_EQ(*again->exitStatus, 0);
}

TEST(RuntimeWasi, RunWasiCommand) {
  {
    WasiModule m;
    EXPECT_EQ(kiln::runWasiCommand(m.desc, {{"prog"}, {}}), 7);
  }
  {
    WasiModule m(fn(w_start_returns));
    EXPECT_EQ(kiln::runWasiCommand(m.desc, {{"prog"}, {}}), 0);
  }
  {
    WasiModule m(fn(w_start_unreachable));
    testing::internal::CaptureStderr();
    EXPECT_EQ(kiln::runWasiCommand(m.desc, {{"prog"}, {}}), KILN_TRAP_EXIT_STATUS);
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "kiln: trap: unreachable (unreachable)\n  at #0 _start\n");
  }
  {
    ModuleBuilder b;
    b.importFunc("wasi_snapshot_preview1", "no_such_function", b.type({}, {}, tramp_v_v));
    testing::internal::CaptureStderr();
    EXPECT_EQ(kiln::runWasiCommand(b.build(), {{"prog"}, {}}), 1);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "kiln: error: cannot instantiate module: unknown import wasi_snapshot_preview1.no_such_function\n");
  }
  {
    ModuleBuilder& b = *new ModuleBuilder;  // proc_exit from the start function (kept: it has imports)
    uint32_t tIV = b.type({KILN_I32}, {}, tramp_i_v);
    uint32_t tV = b.type({}, {}, tramp_v_v);
    b.importFunc("wasi_snapshot_preview1", "proc_exit", tIV);
    b.importFunc("wasi_snapshot_preview1", "proc_exit", tIV);
    b.importFunc("wasi_snapshot_preview1", "proc_exit", tIV);
    b.start(b.func(tV, fn(w_start_exit7), "start"));
    EXPECT_EQ(kiln::runWasiCommand(b.build(), {{"prog"}, {}}), 7);
  }
}

TEST(RuntimeWasi, EveryPreview1FunctionLinks) {
  auto state = kiln::makeWasiState({{"prog"}, {}});
  kiln::ImportResolver resolver = kiln::wasiResolver(*state);
  const char* names[] = {
      "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
      "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
      "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
      "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
      "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
      "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
      "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
      "sock_recv", "sock_send", "sock_shutdown"};
  for (const char* name : names) {
    auto f = resolver.hostFunc("wasi_snapshot_preview1", name);
    ASSERT_TRUE(f) << name;
    EXPECT_NE(f->code, nullptr);
    EXPECT_EQ(f->results.size(), std::string(name) == "proc_exit" ? 0u : 1u) << name;
  }
  EXPECT_FALSE(resolver.hostFunc("wasi_snapshot_preview1", "nope"));
  EXPECT_FALSE(resolver.hostFunc("wasi_unstable", "fd_write"));
  auto pathOpen = resolver.hostFunc("wasi_snapshot_preview1", "path_open");
  EXPECT_EQ(pathOpen->params, (std::vector<uint8_t>{KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I32, KILN_I64,
                                                    KILN_I64, KILN_I32, KILN_I32}));
  auto f = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t, int32_t, int32_t, int32_t, int64_t, int64_t,
                                        int32_t, int32_t)>(pathOpen->code);
  EXPECT_EQ(f(nullptr, 3, 0, 0, 0, 0, 0, 0, 0, 0), 8);  // implemented now: no fd 3 without a preopen (EBADF)
  auto clockTime = resolver.hostFunc("wasi_snapshot_preview1", "clock_time_get");
  EXPECT_EQ(clockTime->params, (std::vector<uint8_t>{KILN_I32, KILN_I64, KILN_I32}));
  auto fdSeek = resolver.hostFunc("wasi_snapshot_preview1", "fd_seek");
  EXPECT_EQ(fdSeek->params, (std::vector<uint8_t>{KILN_I32, KILN_I64, KILN_I32, KILN_I32}));
}

TEST(RuntimeWasi, ClocksRandomAndFdstatDirectly) {
  // Host functions called directly with an instance's vmctx.
  WasiModule m;
  auto state = kiln::makeWasiState({{"prog"}, {}});
  kiln::ImportResolver resolver = kiln::wasiResolver(*state);
  auto inst = instantiate(m.desc, resolver);
  ASSERT_TRUE(inst);
  kiln_vmctx* vm = inst->vmctx();
  uint8_t* mem = vm->memory_base;
  auto get = [&](const char* name) { return resolver.hostFunc("wasi_snapshot_preview1", name)->code; };

  auto clockTime = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int64_t, int32_t)>(get("clock_time_get"));
  EXPECT_EQ(clockTime(vm, 1, 0, 16), 0);
  uint64_t t1;
  std::memcpy(&t1, mem + 16, 8);
  EXPECT_GT(t1, 0u);
  EXPECT_EQ(clockTime(vm, 0, 0, 16), 0);
  uint64_t real;
  std::memcpy(&real, mem + 16, 8);
  EXPECT_GT(real, 1'600'000'000ull * 1'000'000'000ull);
  EXPECT_EQ(clockTime(vm, 9, 0, 16), 28);      // EINVAL
  EXPECT_EQ(clockTime(vm, 1, 0, 65530), 21);   // EFAULT
  auto clockRes = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(get("clock_res_get"));
  EXPECT_EQ(clockRes(vm, 2, 16), 0);
  EXPECT_EQ(clockRes(vm, 3, 16), 0);

  auto random = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(get("random_get"));
  EXPECT_EQ(random(vm, 1024, 4096), 0);
  int nonzero = 0;
  for (int i = 0; i < 4096; ++i) nonzero += mem[1024 + i] != 0;
  EXPECT_GT(nonzero, 3000);
  EXPECT_EQ(random(vm, 65000, 1000), 21);

  auto fdstat = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(get("fd_fdstat_get"));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  int saved = dup(1);
  dup2(fds[1], 1);
  int32_t r = fdstat(vm, 1, 200);
  auto seek = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int64_t, int32_t, int32_t)>(get("fd_seek"));
  int32_t seekResult = seek(vm, 1, 0, 1, 300);
  dup2(saved, 1);
  close(saved);
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(mem[200], 0);  // a pipe: filetype unknown
  uint64_t rights;
  std::memcpy(&rights, mem + 208, 8);
  EXPECT_TRUE(rights & (1u << 6));   // fd_write
  EXPECT_FALSE(rights & (1u << 2));  // no fd_seek
  EXPECT_EQ(seekResult, 70);         // ESPIPE
  EXPECT_EQ(fdstat(vm, 5, 200), 8);
  EXPECT_EQ(fdstat(vm, 1, 65530), 21);

  // A regular file on stdin: seekable.
  FILE* tmp = tmpfile();
  ASSERT_TRUE(tmp);
  fputs("0123456789", tmp);
  fflush(tmp);
  saved = dup(0);
  dup2(fileno(tmp), 0);
  r = fdstat(vm, 0, 200);
  int32_t seekEnd = seek(vm, 0, -3, 2, 300);
  dup2(saved, 0);
  close(saved);
  fclose(tmp);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(mem[200], 4);  // regular file
  uint64_t pos;
  std::memcpy(&pos, mem + 300, 8);
  EXPECT_EQ(seekEnd, 0);
  EXPECT_EQ(pos, 7u);

  auto prestat = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t, int32_t)>(get("fd_prestat_get"));
  EXPECT_EQ(prestat(vm, 3, 0), 8);
  auto fdClose = reinterpret_cast<int32_t (*)(kiln_vmctx*, int32_t)>(get("fd_close"));
  EXPECT_EQ(fdClose(vm, 3), 8);
  EXPECT_EQ(fdClose(vm, 0), 0);
  EXPECT_EQ(fdClose(vm, 0), 8);  // closed now
  EXPECT_EQ(fdstat(vm, 0, 200), 8);
  auto yield = reinterpret_cast<int32_t (*)(kiln_vmctx*)>(get("sched_yield"));
  EXPECT_EQ(yield(vm), 0);
}

TEST(RuntimeTypes, SignatureIdsAreCanonicalAcrossThreads) {
  std::vector<uint32_t> ids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      MainModule m;
      kiln::Store store;
      kiln::Instance* inst = store.instantiate(m.desc, {});
      ids[static_cast<size_t>(i)] = inst ? inst->vmctx()->type_ids[0] : 0;
    });
  }
  for (auto& t : threads) t.join();
  for (uint32_t id : ids) {
    EXPECT_NE(id, 0u);
    EXPECT_EQ(id, ids[0]);
  }
}

// ---- Stores: ownership, limits, interruption ---------------------------------------

namespace {

// Address space of this process (VmSize), in bytes.
uint64_t addressSpace() {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmSize: %lu kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

// A module with a memory (guard pages unless `flags` says otherwise) whose
// only import does not exist, or whose data segment is out of bounds.
const kiln_module_desc* failingModule(ModuleBuilder& b, bool unknownImport, bool importTable) {
  uint32_t tVI = b.type({}, {KILN_I32}, tramp_v_i);
  if (unknownImport) b.importFunc("nowhere", "f", tVI);
  if (importTable) b.importTable("A", "tab", 4, 20);
  b.memory(1, 2);
  b.data(KILN_SEGMENT_ACTIVE, constI32(65535), "past the end");
  b.func(tVI, fn(w_get_g0), "get_g0");
  b.global(KILN_I32, false, constI32(1));
  if (importTable) b.elem(KILN_SEGMENT_ACTIVE, 0, constI32(0), {refFunc(0)});
  return b.build();
}

}  // namespace

// Problem 3 of the store issue: a failed instantiation used to leak its
// instance (8 GiB of address space each) for the life of the process.
TEST(RuntimeStore, FailedInstantiationsDoNotAccumulate) {
  const uint64_t before = addressSpace();
  {
    kiln::Store store;
    ModuleBuilder unlinkable, outOfBounds;
    const kiln_module_desc* a = failingModule(unlinkable, true, false);
    const kiln_module_desc* b = failingModule(outOfBounds, false, false);
    for (int i = 0; i < 2000; ++i) {
      kiln::InstantiateError error;
      EXPECT_FALSE(store.instantiate(i % 2 ? a : b, {}, &error));
      EXPECT_EQ(error.kind, i % 2 ? kiln::InstantiateError::Kind::Unlinkable : kiln::InstantiateError::Kind::Trap);
    }
    // Nothing outside them could refer to them: nothing is kept.
    EXPECT_EQ(store.instanceCount(), 0u);
    EXPECT_EQ(store.memoryBytes(), 0u);
    // Their reservations went back to the runtime's pool and were reused:
    // one or two slots, not 2,000.
    EXPECT_LT(addressSpace(), before + 2 * (KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL) + (1ull << 30));
  }
  // With an imported table the failed instance's functions may live on in
  // it (the spec keeps those writes): the store keeps the instance, and
  // frees it with everything else.
  kiln::Store store;
  MainModule lib;
  kiln::Instance* libInstance = store.instantiate(lib.desc, {});
  ASSERT_TRUE(libInstance);
  kiln::ImportResolver resolver;
  resolver.external = [&](std::string_view, std::string_view name) { return libInstance->exportNamed(name); };
  ModuleBuilder keeper;
  const kiln_module_desc* kept = failingModule(keeper, false, true);
  for (int i = 0; i < 8; ++i) {
    kiln::InstantiateError error;
    EXPECT_FALSE(store.instantiate(kept, resolver, &error));
    EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Trap);
  }
  EXPECT_EQ(store.instanceCount(), 9u);
  // The table entry written by the failed instantiation is callable.
  auto* written = static_cast<kiln_func*>(libInstance->vmctx()->tables[0]->elements[0]);
  ASSERT_NE(written, nullptr);
  kiln_val result[1];
  EXPECT_FALSE(store.call(written, result));
  EXPECT_EQ(result[0].i32, 1u);
}

// Dropped stores give their guard-page reservations to the runtime's pool
// (memory.cpp: at most KILN_MEMORY_POOL, default 64, free slots), which the
// next stores reuse: the address space stays bounded however many stores
// come and go.
TEST(RuntimeStore, DroppingTheStoreReturnsItsAddressSpace) {
  const uint64_t before = addressSpace();
  uint64_t afterFirstRound = 0;
  for (int round = 0; round < 5; ++round) {
    {
      kiln::Store store;
      std::vector<std::unique_ptr<MainModule>> modules;
      for (int i = 0; i < 16; ++i) {
        modules.push_back(std::make_unique<MainModule>());
        ASSERT_TRUE(store.instantiate(modules.back()->desc, {}));
      }
      EXPECT_GT(addressSpace(), before + 16 * KILN_MEMORY_RESERVATION);
    }
    if (round == 0) afterFirstRound = addressSpace();
  }
  EXPECT_LT(addressSpace(), afterFirstRound + (1ull << 30));  // reused, not accumulated
  EXPECT_LT(addressSpace(), before + 64 * (KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL) + (1ull << 30));
}

// Problem 4: explicit-check code needs no guard region, so its memories
// reserve only their maximum (or the store's limit).
TEST(RuntimeStore, ExplicitCheckMemoriesReserveOnlyTheirMaximum) {
  MainModule guard;
  kiln::Instance* g = instantiate(guard.desc);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->vmctx()->memory->reserved_bytes, KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL);

  MainModule bounded;  // memory 1..2 pages
  bounded.b.desc().flags |= KILN_FLAG_EXPLICIT_BOUNDS_CHECKS;
  kiln::Instance* e = instantiate(bounded.desc);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->vmctx()->memory->reserved_bytes, 2u * KILN_WASM_PAGE_SIZE);

  ModuleBuilder b;  // no declared maximum: the store's limit bounds it
  b.desc().flags |= KILN_FLAG_EXPLICIT_BOUNDS_CHECKS;
  b.type({}, {KILN_I32}, tramp_v_i);
  b.memory(1);
  b.func(0, fn(w_run_op), "run_op");
  b.exportAs("run_op", KILN_EXTERN_FUNC, 0);
  kiln::StoreConfig config;
  config.limits.maxMemoryBytes = 1 << 20;
  kiln::Store limited(config);
  kiln::Instance* u = limited.instantiate(b.build(), {});
  ASSERT_TRUE(u);
  EXPECT_EQ(u->vmctx()->memory->reserved_bytes, 1u << 20);
  int32_t r = 0;
  EXPECT_EQ(runOp(*u, Op{kMGrow, 15, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 1);
  EXPECT_EQ(runOp(*u, Op{kMGrow, 1, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(limited.memoryBytes(), 1u << 20);
}

TEST(RuntimeStore, GuardPageCodeRefusesAnExplicitOnlyMemory) {
  kiln::Store& store = testStore();
  std::optional<kiln::Extern> small = store.memory(1, 2, nullptr, /*explicitChecksOnly=*/true);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->memory->reserved_bytes, 2u * KILN_WASM_PAGE_SIZE);
  ModuleBuilder b;
  b.importMemory("host", "memory", 1, 2);
  kiln::ImportResolver resolver;
  resolver.external = [&](std::string_view, std::string_view) { return small; };
  kiln::InstantiateError error;
  EXPECT_FALSE(instantiate(b.build(), resolver, &error));
  EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Unlinkable);
  EXPECT_NE(error.message.find("reserves only its maximum"), std::string::npos) << error.message;
  // Explicit-check code may import it.
  ModuleBuilder e;
  e.desc().flags |= KILN_FLAG_EXPLICIT_BOUNDS_CHECKS;
  e.importMemory("host", "memory", 1, 2);
  EXPECT_TRUE(instantiate(e.build(), resolver));
}

// Problem 5: guard-page code compiled against a 64 KiB memory the embedder
// made read host memory past it. Only the store's own objects link.
TEST(RuntimeStore, RefusesObjectsTheRuntimeDidNotMake) {
  std::vector<uint8_t> bytes(KILN_WASM_PAGE_SIZE);
  kiln_memory fake{bytes.data(), bytes.size(), 1, bytes.size()};
  void* elements[4] = {};
  kiln_table fakeTable{elements, 4, 4, KILN_FUNCREF};
  kiln_val fakeGlobal{};
  kiln_func fakeFunc{reinterpret_cast<void*>(w_add), nullptr, 1, 0, nullptr};
  struct Case {
    const char* what;
    std::function<void(ModuleBuilder&)> declare;
    kiln::Extern ext;
  };
  kiln::Extern memory, table, global, func;
  memory.kind = KILN_EXTERN_MEMORY;
  memory.memory = &fake;
  table.kind = KILN_EXTERN_TABLE;
  table.table = &fakeTable;
  global.kind = KILN_EXTERN_GLOBAL;
  global.global = &fakeGlobal;
  func.kind = KILN_EXTERN_FUNC;
  func.func = &fakeFunc;
  std::vector<Case> cases = {
      {"memory", [](ModuleBuilder& b) { b.importMemory("host", "x", 1, 1); }, memory},
      {"table", [](ModuleBuilder& b) { b.importTable("host", "x", 4, 4); }, table},
      {"global", [](ModuleBuilder& b) { b.importGlobal("host", "x", KILN_I32, false); }, global},
      {"function",
       [](ModuleBuilder& b) { b.importFunc("host", "x", b.type({KILN_I32, KILN_I32}, {KILN_I32}, tramp_ii_i)); },
       func},
  };
  for (const Case& c : cases) {
    ModuleBuilder b;
    c.declare(b);
    kiln::ImportResolver resolver;
    kiln::Extern ext = c.ext;
    resolver.external = [ext](std::string_view, std::string_view) { return ext; };
    kiln::InstantiateError error;
    EXPECT_FALSE(instantiate(b.build(), resolver, &error)) << c.what;
    EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Unlinkable) << c.what;
    EXPECT_NE(error.message.find("is not an object of this store"), std::string::npos) << error.message;
  }
}

TEST(RuntimeStore, MemoryTableAndInstanceLimits) {
  MainModule m;  // memory 1..2 pages, table 4..10
  kiln::StoreConfig config;
  config.limits.maxMemoryBytes = KILN_WASM_PAGE_SIZE / 2;
  kiln::Store tiny(config);
  kiln::InstantiateError error;
  EXPECT_FALSE(tiny.instantiate(m.desc, {}, &error));
  EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Limit);
  EXPECT_NE(error.message.find("memory limit"), std::string::npos) << error.message;

  config.limits.maxMemoryBytes = KILN_WASM_PAGE_SIZE;  // exactly the initial page: grow fails
  config.limits.maxTableElements = 6;
  config.limits.maxInstances = 1;
  kiln::Store store(config);
  kiln::Instance* inst = store.instantiate(m.desc, {}, &error);
  ASSERT_TRUE(inst) << error.message;
  int32_t r = 0;
  EXPECT_EQ(runOp(*inst, Op{kMGrow, 1, 0, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(store.memoryBytes(), KILN_WASM_PAGE_SIZE);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 2, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, 4);
  EXPECT_EQ(runOp(*inst, Op{kTGrow, 0, 1, 0, 0, 0, nullptr, nullptr}, &r), KILN_TRAP_NONE);
  EXPECT_EQ(r, -1);
  EXPECT_EQ(store.tableElements(), 6u);
  EXPECT_FALSE(store.instantiate(m.desc, {}, &error));
  EXPECT_EQ(error.kind, kiln::InstantiateError::Kind::Limit);
  EXPECT_NE(error.message.find("limit of 1 instances"), std::string::npos) << error.message;
}

TEST(RuntimeStore, StackLimitIsSetOnEntryAndRestored) {
  MainModule m;
  kiln::Instance* inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  kiln_limits* limits = inst->vmctx()->limits;
  EXPECT_EQ(limits->stack_limit, UINTPTR_MAX);  // no thread has entered
  EXPECT_EQ(trapCode(call(*inst, "recurse", {0})), KILN_TRAP_STACK_OVERFLOW);
  EXPECT_EQ(limits->stack_limit, UINTPTR_MAX);
  // The same store on another thread: the limit follows the thread (one
  // left from the main thread would point into another stack).
  std::thread([&] {
    EXPECT_EQ(trapCode(call(*inst, "recurse", {0})), KILN_TRAP_STACK_OVERFLOW);
    EXPECT_EQ(callOk(*inst, "add", {1, 2}), 3);
  }).join();
  EXPECT_EQ(limits->stack_limit, UINTPTR_MAX);
}

TEST(RuntimeStore, InterruptsAndDeadlines) {
  MainModule m;
  kiln::Store& store = testStore();
  kiln::Instance* inst = instantiate(m.desc);
  ASSERT_TRUE(inst);
  EXPECT_EQ(callOk(*inst, "add", {1, 2}), 3);
  // A deadline in the past: the call traps before it starts.
  store.setDeadline(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(store.interrupted());
  EXPECT_NE(inst->vmctx()->limits->interrupt, 0u);
  EXPECT_EQ(trapCode(call(*inst, "add", {1, 2})), KILN_TRAP_INTERRUPTED);
  store.clearDeadline();
  EXPECT_FALSE(store.interrupted());
  EXPECT_EQ(inst->vmctx()->limits->interrupt, 0u);
  EXPECT_EQ(callOk(*inst, "add", {1, 2}), 3);
  store.setTimeout(std::chrono::hours(1));
  EXPECT_EQ(callOk(*inst, "add", {1, 2}), 3);
  // The timer raises the interrupt word when a deadline falls due.
  store.setTimeout(std::chrono::milliseconds(20));
  // (Read as compiled code does: the timer thread writes the word.)
  auto interruptWord = [&] { return __atomic_load_n(&inst->vmctx()->limits->interrupt, __ATOMIC_RELAXED); };
  for (int i = 0; i < 5000 && interruptWord() == 0; ++i) usleep(1000);
  EXPECT_NE(interruptWord(), 0u);
  EXPECT_EQ(trapCode(call(*inst, "add", {1, 2})), KILN_TRAP_INTERRUPTED);
  store.clearDeadline();
  // An interrupt from another thread sticks, even against a new deadline.
  kiln::InterruptHandle handle = store.interruptHandle();
  std::thread([handle] { handle.interrupt(); }).join();
  EXPECT_TRUE(store.interrupted());
  EXPECT_NE(inst->vmctx()->limits->interrupt, 0u);
  store.setTimeout(std::chrono::hours(1));
  EXPECT_EQ(trapCode(call(*inst, "add", {1, 2})), KILN_TRAP_INTERRUPTED);
  // A handle outlives its store.
  kiln::InterruptHandle orphan;
  {
    kiln::Store gone;
    orphan = gone.interruptHandle();
  }
  orphan.interrupt();
  kiln::InterruptHandle empty;
  empty.interrupt();
}

TEST(RuntimeStore, RefusesModulesWithoutWhatItNeeds) {
  MainModule m;  // compiled without fuel metering or epoch checks
  kiln::StoreConfig metered;
  metered.fuel = 1000;
  kiln::Store fuelStore(metered);
  kiln::InstantiateError error;
  EXPECT_FALSE(fuelStore.instantiate(m.desc, {}, &error));
  EXPECT_NE(error.message.find("compile it with --fuel"), std::string::npos) << error.message;
  EXPECT_EQ(fuelStore.fuel(), std::optional<uint64_t>(1000));
  EXPECT_TRUE(fuelStore.setFuel(5));
  EXPECT_EQ(fuelStore.fuel(), std::optional<uint64_t>(5));

  kiln::StoreConfig interruptible;
  interruptible.requireInterruptible = true;
  kiln::Store strict(interruptible);
  EXPECT_FALSE(strict.instantiate(m.desc, {}, &error));
  EXPECT_NE(error.message.find("epoch"), std::string::npos) << error.message;
  m.b.desc().flags |= KILN_FLAG_EPOCH_CHECKS | KILN_FLAG_FUEL;
  EXPECT_TRUE(strict.instantiate(m.desc, {}, &error)) << error.message;
  EXPECT_TRUE(fuelStore.instantiate(m.desc, {}, &error)) << error.message;

  kiln::Store plain;
  EXPECT_FALSE(plain.fuel());
  EXPECT_FALSE(plain.setFuel(5));
}

TEST(RuntimeStore, FunctionsOfAnotherStoreAreRefused) {
  MainModule m;
  kiln::Store a, b;
  kiln::Instance* inst = a.instantiate(m.desc, {});
  ASSERT_TRUE(inst);
  kiln_val args[2] = {};
  std::optional<kiln::Trap> trap = b.call(exportFunc(*inst, "add"), args);
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->code, KILN_TRAP_NONE);
  EXPECT_NE(trap->error.find("does not belong to this store"), std::string::npos) << trap->error;
  EXPECT_EQ(trap->report(), "kiln: error: " + trap->error + "\n");
}

// Problem 7: the runtime is a library. An embedder that handles SIGSEGV
// itself turns the runtime's handlers off and forwards faults to it.
TEST(RuntimeSignalsDeathTest, EmbedderOwnedFaultHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        kiln::setFaultHandlersEnabled(false);
        struct sigaction action {};
        action.sa_flags = SA_SIGINFO | SA_ONSTACK;
        action.sa_sigaction = [](int sig, siginfo_t* info, void* context) {
          if (!kiln::handleWasmFault(sig, info, context)) _exit(42);  // not wasm's: the embedder's own
        };
        sigaction(SIGSEGV, &action, nullptr);
        MainModule m;
        kiln::Store store;
        kiln::Instance* inst = store.instantiate(m.desc, {});
        if (!inst || trapCode(call(*inst, "far_load", {})) != KILN_TRAP_MEMORY_OUT_OF_BOUNDS) _exit(1);
        struct sigaction now {};
        sigaction(SIGSEGV, nullptr, &now);
        if (now.sa_sigaction != action.sa_sigaction) _exit(2);  // the runtime replaced it
        hostFault();
        _exit(3);
      },
      ::testing::ExitedWithCode(42), "");
}

TEST(RuntimeLibrary, ExitGuestOutsideACallReturns) {
  kiln::exitGuest(3);  // a host function called directly: nothing to unwind
  SUCCEED();
}
