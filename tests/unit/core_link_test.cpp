// The runtime's core (libkiln-core: stores, instances, memories, tables,
// traps, limits) linked whole and alone (tests/CMakeLists.txt): this
// executable links only if nothing in the core needs io, WASI, Dagger (and
// its HTTP client) or the compiler. It also checks that the core works on
// its own: a store, a host memory, a table and a global, and the limits.
#include <gtest/gtest.h>

#include "kiln/kiln.hpp"

TEST(CoreLink, StoreAndHostObjectsWithoutTheUpperLayers) {
  kiln::StoreConfig config;
  config.limits.maxMemoryBytes = 2 * KILN_WASM_PAGE_SIZE;
  kiln::Store store(config);
  std::string error;
  std::optional<kiln::Extern> memory = store.memory(1, 4, &error);
  ASSERT_TRUE(memory) << error;
  EXPECT_EQ(memory->memory->size, KILN_WASM_PAGE_SIZE);
  memory->memory->base[100] = 7;
  EXPECT_EQ(memory->memory->base[100], 7);
  EXPECT_FALSE(store.memory(2, 2, &error));  // past the store's limit
  EXPECT_NE(error.find("memory limit"), std::string::npos) << error;
  std::optional<kiln::Extern> table = store.table(KILN_FUNCREF, 3, 10, &error);
  ASSERT_TRUE(table) << error;
  EXPECT_EQ(table->table->size, 3u);
  kiln_val value{};
  value.i64 = 42;
  kiln::Extern global = store.global(KILN_I64, true, value);
  EXPECT_EQ(global.global->i64, 42);
  EXPECT_EQ(store.memoryBytes(), KILN_WASM_PAGE_SIZE);
}
