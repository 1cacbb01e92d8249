// Linear memories in guard-page mode: a fixed reservation of address space
// (KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL bytes, PROT_NONE), of
// which the current size is readable and writable. The base never moves;
// memory.grow only changes protections and kiln_memory::size.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kiln/abi.h"

namespace kiln::rt {

// The runtime's cap on any memory: 65535 pages (4 GiB - 64 KiB), one page
// short of wasm32's limit; growing past it fails (memory.grow returns -1),
// which the spec permits. The compiler relies on it: after a successful
// access at address X, X + C cannot wrap around 2^32 for any C <= 64 KiB,
// so such additions are marked no-unsigned-wrap and LLVM can analyse (and
// vectorize) loops over linear memory. See docs/architecture.md.
constexpr uint64_t kMaxMemoryPages = 65535;

class Memory {
 public:
  // maxPages: the declared maximum or KILN_NO_MAX. Returns nullptr and sets
  // *error when the reservation or the initial commit fails.
  static std::unique_ptr<Memory> create(uint64_t minPages, uint64_t maxPages, std::string* error);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  kiln_memory* get() { return &memory_; }
  // The maximum as declared (KILN_NO_MAX when absent), for import checks.
  uint64_t declaredMax() const { return declaredMax_; }
  const kiln_memory* get() const { return &memory_; }

 private:
  Memory() = default;
  kiln_memory memory_{};
  uint64_t declaredMax_ = KILN_NO_MAX;
  size_t registryHandle_ = SIZE_MAX;
};

// memory.grow on any kiln_memory made by Memory::create: returns the old size
// in pages, or -1 when the new size would pass the maximum or cannot be
// committed.
int64_t growMemory(kiln_memory* memory, uint64_t deltaPages);

// The Memory that owns a kiln_memory, or nullptr if the runtime did not make it.
const Memory* memoryObjectFor(const kiln_memory* memory);

// Async-signal-safe: whether addr lies in some memory's reservation
// (including its guard tail).
bool isInMemoryReservation(uintptr_t addr);

}  // namespace kiln::rt
