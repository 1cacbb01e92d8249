// Tables (see rt_table.h).
#include <cstdlib>

#include "rt_table.h"

namespace kiln::rt {

std::unique_ptr<Table> Table::create(uint8_t elemType, uint64_t min, uint64_t max, std::string* error) {
  if (min > kMaxTableElements) {
    *error = "table size " + std::to_string(min) + " exceeds the runtime's limit of " +
             std::to_string(kMaxTableElements) + " elements";
    return nullptr;
  }
  // Always allocate at least one slot so that elements is never NULL.
  auto** elements = static_cast<void**>(calloc(min ? min : 1, sizeof(void*)));
  if (!elements) {
    *error = "out of memory allocating a table of " + std::to_string(min) + " elements";
    return nullptr;
  }
  std::unique_ptr<Table> table(new Table);
  table->table_.elements = elements;
  table->table_.size = static_cast<uint32_t>(min);
  table->table_.max = max >= UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(max);
  table->table_.elem_type = elemType;
  table->declaredMax_ = max;
  return table;
}

Table::~Table() { free(table_.elements); }

int64_t growTable(kiln_table* table, uint64_t delta, void* init) {
  uint64_t oldSize = table->size;
  uint64_t newSize = oldSize + delta;
  if (newSize > table->max || newSize > kMaxTableElements) return -1;
  if (delta == 0) return static_cast<int64_t>(oldSize);
  auto** elements = static_cast<void**>(realloc(table->elements, newSize * sizeof(void*)));
  if (!elements) return -1;
  for (uint64_t i = oldSize; i < newSize; ++i) elements[i] = init;
  table->elements = elements;
  table->size = static_cast<uint32_t>(newSize);
  return static_cast<int64_t>(oldSize);
}

}  // namespace kiln::rt
