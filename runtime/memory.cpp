// Linear memory reservations (see rt_memory.h).
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

#include "rt_memory.h"
#include "rt_range_registry.h"

namespace kiln::rt {

static_assert(std::is_standard_layout_v<Memory>, "a kiln_memory* must convert to its Memory*");

namespace {

RangeRegistry& reservations() {
  static RangeRegistry* registry = new RangeRegistry;  // read by the fault handler until exit
  return *registry;
}

constexpr uint64_t kPage = KILN_WASM_PAGE_SIZE;

}  // namespace

bool ResourceAccount::chargeMemory(uint64_t bytes) {
  if (bytes > maxMemoryBytes || memoryBytes > maxMemoryBytes - bytes) return false;
  memoryBytes += bytes;
  return true;
}

bool ResourceAccount::chargeTable(uint64_t elements) {
  if (elements > maxTableElements || tableElements > maxTableElements - elements) return false;
  tableElements += elements;
  return true;
}

std::unique_ptr<Memory> Memory::create(uint64_t minPages, uint64_t maxPages, bool guardPages,
                                       ResourceAccount* account, std::string* error, bool* limit) {
  *limit = false;
  uint64_t cap = maxPages < KILN_MAX_MEMORY_PAGES ? maxPages : KILN_MAX_MEMORY_PAGES;
  if (minPages > cap) {
    *error = "memory size " + std::to_string(minPages) + " pages exceeds the limit of " + std::to_string(cap) + " pages";
    *limit = true;
    return nullptr;
  }
  uint64_t bytes = minPages * kPage;
  if (account && account->maxMemoryBytes / kPage < cap) cap = account->maxMemoryBytes / kPage;
  if (account && !account->chargeMemory(bytes)) {
    *error = "memory of " + std::to_string(minPages) + " pages (" + std::to_string(bytes) +
             " bytes) passes the store's memory limit of " + std::to_string(account->maxMemoryBytes) + " bytes (" +
             std::to_string(account->memoryBytes) + " in use)";
    *limit = true;
    return nullptr;
  }
  std::unique_ptr<Memory> memory(new Memory);
  memory->account = account;
  memory->memory.size = bytes;  // charged: the destructor gives it back
  const uint64_t reserved =
      guardPages ? KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL : (cap > 0 ? cap * kPage : kPage);
  void* base = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    *error = std::string("out of memory: cannot reserve address space for a linear memory: ") + strerror(errno);
    return nullptr;
  }
  memory->memory.base = static_cast<uint8_t*>(base);
  memory->memory.reserved_bytes = reserved;
  if (bytes != 0 && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
    *error = std::string("out of memory: cannot commit ") + std::to_string(minPages) +
             " pages of linear memory: " + strerror(errno);
    return nullptr;
  }
  memory->memory.max_pages = cap;
  memory->declaredMax = maxPages;
  memory->guardPages = guardPages;
  auto begin = reinterpret_cast<uintptr_t>(base);
  memory->registryHandle = reservations().add(begin, begin + reserved, memory.get());
  return memory;
}

Memory::~Memory() {
  if (registryHandle != SIZE_MAX) reservations().remove(registryHandle);
  if (memory.base) munmap(memory.base, memory.reserved_bytes);
  if (account) account->memoryBytes -= memory.size;
}

int64_t growMemory(kiln_memory* memory, uint64_t deltaPages) {
  uint64_t oldPages = memory->size / kPage;
  if (deltaPages == 0) return static_cast<int64_t>(oldPages);
  uint64_t limit = memory->max_pages < KILN_MAX_MEMORY_PAGES ? memory->max_pages : KILN_MAX_MEMORY_PAGES;
  if (deltaPages > limit || oldPages + deltaPages > limit) return -1;
  uint64_t newSize = (oldPages + deltaPages) * kPage;
  if (newSize > memory->reserved_bytes) return -1;
  Memory* object = memoryObject(memory);
  if (object->account && !object->account->chargeMemory(newSize - memory->size)) return -1;
  if (mprotect(memory->base + memory->size, newSize - memory->size, PROT_READ | PROT_WRITE) != 0) {
    if (object->account) object->account->memoryBytes -= newSize - memory->size;
    return -1;
  }
  memory->size = newSize;
  return static_cast<int64_t>(oldPages);
}

bool isInMemoryReservation(uintptr_t addr) { return reservations().find(addr) != nullptr; }

}  // namespace kiln::rt
