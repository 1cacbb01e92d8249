// Linear memories: a reservation of address space (PROT_NONE), of which the
// current size is readable and writable. The base never moves; memory.grow
// only changes protections and kiln_memory::size.
//
// How much is reserved follows the bounds-check mode of the code that uses
// the memory. Guard-page code adds any 32-bit address and offset to the base
// without a check, so its memories reserve KILN_MEMORY_RESERVATION +
// KILN_MEMORY_GUARD_TAIL (8 GiB + 64 KiB) and every access past the size
// faults in the reservation. Explicit-check code compares every access with
// the size, so its memories reserve only their maximum: the declared
// maximum, the runtime's cap (KILN_MAX_MEMORY_PAGES) or the store's memory
// limit, whichever is least. Such a memory never moves either (compiled code
// loads the base once per call); growing by moving would need a reload of
// the base after every call, in the mode whose point is to be cheap in
// address space, not in time (docs/architecture.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kiln/abi.h"
#include "rt_store.h"

namespace kiln::rt {

// A module's initial memory contents (its active data segments, laid out
// once) in an anonymous file, which instances map copy-on-write instead of
// copying the segments: pages they only read are shared, and none is
// touched at instantiation. Made by PreparedModule for modules whose
// segments cannot fail and whose memory nothing outside can observe before
// they are applied (see prepared_module.cpp).
struct MemoryImage {
  int fd = -1;
  uint64_t bytes = 0;  // a multiple of the system page size, at most the initial memory
  uint64_t id = 0;     // unique for the process's life: which image a pooled slot holds
  ~MemoryImage();
};

struct Memory {
  kiln_memory memory{};  // first: every kiln_memory the runtime hands out is a Memory
  uint64_t declaredMax = KILN_NO_MAX;
  bool guardPages = true;  // reserved for guard-page code
  ResourceAccount* account = nullptr;
  size_t registryHandle = SIZE_MAX;
  // Guard-page reservations come from, and go back to, a process-wide pool
  // of slots (memory.cpp); the size they started with and the image they
  // hold (0: none) say how to reuse them.
  uint64_t initialBytes = 0;
  uint64_t imageId = 0;

  // maxPages: the declared maximum or KILN_NO_MAX. The initial size is
  // charged to `account`. With an image, its bytes are the memory's first
  // bytes (mapped copy-on-write). Returns nullptr with *error (and *limit
  // set when the store's or the runtime's limits are what failed).
  static std::unique_ptr<Memory> create(uint64_t minPages, uint64_t maxPages, bool guardPages,
                                        ResourceAccount* account, std::string* error, bool* limit,
                                        const MemoryImage* image = nullptr);
  Memory() = default;
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
};

// The Memory of a kiln_memory the runtime made (only such memories reach
// compiled code: foreign ones are refused at import).
inline Memory* memoryObject(kiln_memory* memory) { return reinterpret_cast<Memory*>(memory); }

// memory.grow: returns the old size in pages, or -1 when the new size would
// pass the maximum, the store's limit or the reservation, or cannot be
// committed.
int64_t growMemory(kiln_memory* memory, uint64_t deltaPages);

// Async-signal-safe: whether addr lies in some memory's reservation
// (including its guard tail).
bool isInMemoryReservation(uintptr_t addr);

}  // namespace kiln::rt
