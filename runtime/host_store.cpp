// Host-made memories, tables and globals (kiln::HostStore).
#include <cstring>

#include "kiln/kiln.h"
#include "rt_memory.h"
#include "rt_owners.h"
#include "rt_table.h"

namespace kiln {

struct HostStore::Impl {
  std::vector<std::unique_ptr<rt::Memory>> memories;
  std::vector<std::unique_ptr<rt::Table>> tables;
  std::vector<std::unique_ptr<kiln_val>> globals;
  std::vector<const void*> ranges;

  ~Impl() {
    for (const void* range : ranges) rt::unregisterOwned(range);
  }
};

HostStore::HostStore() : impl_(std::make_shared<Impl>()) {}
HostStore::~HostStore() = default;

std::optional<Extern> HostStore::memory(uint64_t minPages, uint64_t maxPages, std::string* error) {
  std::string problem;
  std::unique_ptr<rt::Memory> memory = rt::Memory::create(minPages, maxPages, &problem);
  if (!memory) {
    if (error) *error = problem;
    return std::nullopt;
  }
  Extern ext;
  ext.kind = KILN_EXTERN_MEMORY;
  ext.memory = memory->get();
  rt::registerOwned(ext.memory, sizeof(kiln_memory), impl_);
  impl_->ranges.push_back(ext.memory);
  impl_->memories.push_back(std::move(memory));
  return ext;
}

std::optional<Extern> HostStore::table(uint8_t elemType, uint64_t min, uint64_t max, std::string* error) {
  std::string problem;
  std::unique_ptr<rt::Table> table = rt::Table::create(elemType, min, max, &problem);
  if (!table) {
    if (error) *error = problem;
    return std::nullopt;
  }
  Extern ext;
  ext.kind = KILN_EXTERN_TABLE;
  ext.table = table->get();
  rt::registerOwned(ext.table, sizeof(kiln_table), impl_);
  impl_->ranges.push_back(ext.table);
  impl_->tables.push_back(std::move(table));
  return ext;
}

Extern HostStore::global(uint8_t type, bool isMutable, kiln_val value) {
  auto cell = std::make_unique<kiln_val>(value);
  Extern ext;
  ext.kind = KILN_EXTERN_GLOBAL;
  ext.global = cell.get();
  ext.globalType = type;
  ext.globalMutable = isMutable;
  rt::registerOwned(ext.global, sizeof(kiln_val), impl_);
  impl_->ranges.push_back(ext.global);
  impl_->globals.push_back(std::move(cell));
  return ext;
}

}  // namespace kiln
