// Tables: a growable array of references (kiln_func* for funcref tables,
// opaque pointers for externref), NULL for null.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kiln/abi.h"

namespace kiln::rt {

// The runtime's cap on table sizes (elements), so that a guest cannot make
// the host allocate without bound.
constexpr uint64_t kMaxTableElements = 10'000'000;

class Table {
 public:
  // max: the declared maximum or KILN_NO_MAX. Elements start null.
  static std::unique_ptr<Table> create(uint8_t elemType, uint64_t min, uint64_t max, std::string* error);
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  kiln_table* get() { return &table_; }
  uint64_t declaredMax() const { return declaredMax_; }

 private:
  Table() = default;
  kiln_table table_{};
  uint64_t declaredMax_ = KILN_NO_MAX;
};

// table.grow on any kiln_table made by Table::create: returns the old size,
// or -1 when the new size would pass the maximum or the runtime's cap.
int64_t growTable(kiln_table* table, uint64_t delta, void* init);

}  // namespace kiln::rt
