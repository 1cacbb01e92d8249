// Linear memory reservations (see rt_memory.h).
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "rt_memory.h"
#include "rt_range_registry.h"

namespace kiln::rt {
namespace {

RangeRegistry& reservations() {
  static RangeRegistry* registry = new RangeRegistry;  // read by the fault handler until exit
  return *registry;
}

}  // namespace

std::unique_ptr<Memory> Memory::create(uint64_t minPages, uint64_t maxPages, std::string* error) {
  uint64_t cap = maxPages < kMaxMemoryPages ? maxPages : kMaxMemoryPages;
  if (minPages > cap) {
    *error = "memory size " + std::to_string(minPages) + " pages exceeds the limit of " + std::to_string(cap) + " pages";
    return nullptr;
  }
  const uint64_t reserved = KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL;
  void* base = mmap(nullptr, reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    *error = std::string("out of memory: cannot reserve address space for a linear memory: ") + strerror(errno);
    return nullptr;
  }
  uint64_t bytes = minPages * KILN_WASM_PAGE_SIZE;
  if (bytes != 0 && mprotect(base, bytes, PROT_READ | PROT_WRITE) != 0) {
    *error = std::string("out of memory: cannot commit ") + std::to_string(minPages) +
             " pages of linear memory: " + strerror(errno);
    munmap(base, reserved);
    return nullptr;
  }
  std::unique_ptr<Memory> memory(new Memory);
  memory->memory_.base = static_cast<uint8_t*>(base);
  memory->memory_.size = bytes;
  memory->memory_.max_pages = cap;
  memory->memory_.reserved_bytes = reserved;
  memory->declaredMax_ = maxPages;
  auto begin = reinterpret_cast<uintptr_t>(base);
  memory->registryHandle_ = reservations().add(begin, begin + reserved, memory.get());
  return memory;
}

Memory::~Memory() {
  if (registryHandle_ != SIZE_MAX) reservations().remove(registryHandle_);
  if (memory_.base) munmap(memory_.base, memory_.reserved_bytes);
}

int64_t growMemory(kiln_memory* memory, uint64_t deltaPages) {
  uint64_t oldPages = memory->size / KILN_WASM_PAGE_SIZE;
  if (deltaPages == 0) return static_cast<int64_t>(oldPages);
  uint64_t limit = memory->max_pages < kMaxMemoryPages ? memory->max_pages : kMaxMemoryPages;
  if (deltaPages > limit || oldPages + deltaPages > limit) return -1;
  uint64_t newSize = (oldPages + deltaPages) * KILN_WASM_PAGE_SIZE;
  if (newSize > memory->reserved_bytes) return -1;
  if (mprotect(memory->base + memory->size, newSize - memory->size, PROT_READ | PROT_WRITE) != 0) return -1;
  memory->size = newSize;
  return static_cast<int64_t>(oldPages);
}

const Memory* memoryObjectFor(const kiln_memory* memory) {
  if (!memory || !memory->base) return nullptr;
  const auto* object = static_cast<const Memory*>(reservations().find(reinterpret_cast<uintptr_t>(memory->base)));
  return object && object->get() == memory ? object : nullptr;
}

bool isInMemoryReservation(uintptr_t addr) { return reservations().find(addr) != nullptr; }

}  // namespace kiln::rt
