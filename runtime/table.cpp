// Tables (see rt_table.h).
#include <cstdlib>
#include <type_traits>

#include "rt_table.h"

namespace kiln::rt {

static_assert(std::is_standard_layout_v<Table>, "a kiln_table* must convert to its Table*");

std::unique_ptr<Table> Table::create(uint8_t elemType, uint64_t min, uint64_t max, ResourceAccount* account,
                                     std::string* error, bool* limit) {
  *limit = false;
  if (min >= UINT32_MAX) {
    *error = "table size " + std::to_string(min) + " exceeds the runtime's limit of " +
             std::to_string(UINT32_MAX - 1) + " elements";
    *limit = true;
    return nullptr;
  }
  if (account && !account->chargeTable(min)) {
    *error = "table of " + std::to_string(min) + " elements passes the store's table limit of " +
             std::to_string(account->maxTableElements) + " elements (" + std::to_string(account->tableElements) +
             " in use)";
    *limit = true;
    return nullptr;
  }
  std::unique_ptr<Table> table(new Table);
  table->account = account;
  table->table.size = static_cast<uint32_t>(min);  // charged: the destructor gives it back
  // Always allocate at least one slot so that elements is never NULL.
  table->table.elements = static_cast<void**>(calloc(min ? min : 1, sizeof(void*)));
  if (!table->table.elements) {
    *error = "out of memory allocating a table of " + std::to_string(min) + " elements";
    return nullptr;
  }
  table->table.max = max >= UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(max);
  table->table.elem_type = elemType;
  table->declaredMax = max;
  return table;
}

Table::~Table() {
  free(table.elements);
  if (account) account->tableElements -= table.size;
}

int64_t growTable(kiln_table* table, uint64_t delta, void* init) {
  uint64_t oldSize = table->size;
  uint64_t newSize = oldSize + delta;
  if (newSize > table->max || newSize >= UINT32_MAX) return -1;
  if (delta == 0) return static_cast<int64_t>(oldSize);
  Table* object = tableObject(table);
  if (object->account && !object->account->chargeTable(delta)) return -1;
  auto** elements = static_cast<void**>(realloc(table->elements, newSize * sizeof(void*)));
  if (!elements) {
    if (object->account) object->account->tableElements -= delta;
    return -1;
  }
  for (uint64_t i = oldSize; i < newSize; ++i) elements[i] = init;
  table->elements = elements;
  table->size = static_cast<uint32_t>(newSize);
  return static_cast<int64_t>(oldSize);
}

}  // namespace kiln::rt
