// Tables: a growable array of references (kiln_func* for funcref tables,
// opaque pointers for externref), NULL for null. Elements count against the
// store's table limit.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kiln/abi.h"
#include "rt_store.h"

namespace kiln::rt {

struct Table {
  kiln_table table{};  // first: every kiln_table the runtime hands out is a Table
  uint64_t declaredMax = KILN_NO_MAX;
  ResourceAccount* account = nullptr;

  // max: the declared maximum or KILN_NO_MAX. Elements start null. Returns
  // nullptr with *error (and *limit set when a limit is what failed).
  static std::unique_ptr<Table> create(uint8_t elemType, uint64_t min, uint64_t max, ResourceAccount* account,
                                       std::string* error, bool* limit);
  Table() = default;
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
};

inline Table* tableObject(kiln_table* table) { return reinterpret_cast<Table*>(table); }

// table.grow: returns the old size, or -1 when the new size would pass the
// maximum or the store's limit, or cannot be allocated.
int64_t growTable(kiln_table* table, uint64_t delta, void* init);

}  // namespace kiln::rt
