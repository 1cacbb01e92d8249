// The layouts in include/kiln/abi.h that compiled code depends on. The
// compiler mirrors them in LLVM types (compiler/codegen/abi_types.cpp); a
// change here must change there, and bump KILN_ABI_VERSION.
#include <gtest/gtest.h>

#include <cstddef>

#include "kiln/abi.h"

static_assert(sizeof(kiln_vmctx) == KILN_VMCTX_HEADER_SIZE);
static_assert(sizeof(kiln_val) == 16);
static_assert(KILN_GLOBAL_CELL_SIZE == sizeof(kiln_val));
static_assert(offsetof(kiln_vmctx, memory_base) == 0);
static_assert(offsetof(kiln_vmctx, memory) == 8);
static_assert(offsetof(kiln_vmctx, limits) == 16);
static_assert(offsetof(kiln_vmctx, tables) == 24);
static_assert(offsetof(kiln_vmctx, funcs) == 32);
static_assert(offsetof(kiln_vmctx, type_ids) == 40);
static_assert(offsetof(kiln_vmctx, instance) == 48);
static_assert(offsetof(kiln_vmctx, host) == 56);
static_assert(offsetof(kiln_limits, stack_limit) == 0);
static_assert(offsetof(kiln_limits, interrupt) == 8);
static_assert(offsetof(kiln_limits, fuel) == 16);
static_assert(offsetof(kiln_func, code) == 0);
static_assert(offsetof(kiln_func, vmctx) == 8);
static_assert(offsetof(kiln_func, type_id) == 16);
static_assert(offsetof(kiln_func, array_call) == 24);
static_assert(sizeof(kiln_func) == 32);
static_assert(offsetof(kiln_table, elements) == 0);
static_assert(offsetof(kiln_table, size) == 8);
static_assert(offsetof(kiln_table, max) == 12);
static_assert(offsetof(kiln_memory, base) == 0);
static_assert(offsetof(kiln_memory, size) == 8);
static_assert(offsetof(kiln_memory, max_pages) == 16);

TEST(AbiLayout, VmctxHeader) {
  EXPECT_EQ(sizeof(kiln_vmctx), KILN_VMCTX_HEADER_SIZE);
  EXPECT_EQ(offsetof(kiln_vmctx, memory_base), 0u);
  EXPECT_EQ(offsetof(kiln_vmctx, memory), 8u);
  EXPECT_EQ(offsetof(kiln_vmctx, limits), 16u);
  EXPECT_EQ(offsetof(kiln_vmctx, tables), 24u);
  EXPECT_EQ(offsetof(kiln_vmctx, funcs), 32u);
  EXPECT_EQ(offsetof(kiln_vmctx, type_ids), 40u);
  EXPECT_EQ(offsetof(kiln_vmctx, instance), 48u);
  EXPECT_EQ(offsetof(kiln_vmctx, host), 56u);
}

TEST(AbiLayout, LimitsBlock) {
  EXPECT_EQ(sizeof(kiln_limits), 24u);
  EXPECT_EQ(offsetof(kiln_limits, stack_limit), 0u);
  EXPECT_EQ(offsetof(kiln_limits, interrupt), 8u);
  EXPECT_EQ(offsetof(kiln_limits, fuel), 16u);
}

TEST(AbiLayout, Values) {
  EXPECT_EQ(sizeof(kiln_val), 16u);
  EXPECT_EQ(sizeof(kiln_val), KILN_GLOBAL_CELL_SIZE);
  kiln_val v{};
  v.i64 = 0x1122334455667788ull;
  EXPECT_EQ(v.i32, 0x55667788u);  // little endian: i32 aliases the low half
}

TEST(AbiLayout, FuncTableMemory) {
  EXPECT_EQ(offsetof(kiln_func, code), 0u);
  EXPECT_EQ(offsetof(kiln_func, vmctx), 8u);
  EXPECT_EQ(offsetof(kiln_func, type_id), 16u);
  EXPECT_EQ(offsetof(kiln_func, array_call), 24u);
  EXPECT_EQ(offsetof(kiln_table, elements), 0u);
  EXPECT_EQ(offsetof(kiln_table, size), 8u);
  EXPECT_EQ(offsetof(kiln_table, max), 12u);
  EXPECT_EQ(offsetof(kiln_table, elem_type), 16u);
  EXPECT_EQ(offsetof(kiln_memory, base), 0u);
  EXPECT_EQ(offsetof(kiln_memory, size), 8u);
  EXPECT_EQ(offsetof(kiln_memory, max_pages), 16u);
  EXPECT_EQ(offsetof(kiln_memory, reserved_bytes), 24u);
}

TEST(AbiLayout, DescriptorRecords) {
  EXPECT_EQ(sizeof(kiln_const_expr), 24u);
  EXPECT_EQ(offsetof(kiln_const_expr, index), 4u);
  EXPECT_EQ(offsetof(kiln_const_expr, bits), 8u);
  EXPECT_EQ(offsetof(kiln_const_expr, bits_high), 16u);
  EXPECT_EQ(offsetof(kiln_type_desc, types), 8u);
  EXPECT_EQ(offsetof(kiln_type_desc, array_call), 16u);
  EXPECT_EQ(offsetof(kiln_type_desc, host_call), 24u);
  EXPECT_EQ(sizeof(kiln_type_desc), 32u);
  EXPECT_EQ(offsetof(kiln_func_desc, code), 8u);
  EXPECT_EQ(offsetof(kiln_func_desc, name), 16u);
  EXPECT_EQ(offsetof(kiln_global_desc, vmctx_offset), 4u);
  EXPECT_EQ(offsetof(kiln_global_desc, init), 8u);
  EXPECT_EQ(offsetof(kiln_module_desc, abi_version), 0u);
  EXPECT_EQ(offsetof(kiln_module_desc, flags), 4u);
}
