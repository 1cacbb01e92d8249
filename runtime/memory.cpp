// Linear memory reservations (see rt_memory.h).
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <vector>

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
constexpr uint64_t kGuardReservation = KILN_MEMORY_RESERVATION + KILN_MEMORY_GUARD_TAIL;

// Guard-page reservations kept for reuse. Making and dropping an 8 GiB
// reservation costs an mmap, an mprotect, page tables and an munmap with a
// TLB shootdown, all under the process's address-space lock; a slot from
// the pool costs nothing at instantiation, and returning one costs an
// madvise (which frees its pages: nothing of one guest is left for the
// next) and, when the memory grew, an mprotect. A slot holds `accessible`
// readable bytes from `base` (the rest PROT_NONE) and, when imageId is set,
// that image mapped at its start; madvise makes the image's pages read as
// the image again, so the next instance of the same module finds its
// initial memory ready.
struct Slot {
  uint8_t* base = nullptr;
  uint64_t accessible = 0;
  uint64_t imageId = 0;
  size_t registryHandle = SIZE_MAX;
};

class SlotPool {
 public:
  // The slot that fits best: same image and size first, then any.
  bool take(uint64_t imageId, uint64_t bytes, Slot* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return false;
    size_t best = free_.size() - 1;
    for (size_t i = free_.size(); i-- > 0;) {
      if (free_[i].imageId == imageId && free_[i].accessible == bytes) {
        best = i;
        break;
      }
    }
    *out = free_[best];
    free_[best] = free_.back();
    free_.pop_back();
    return true;
  }
  bool give(const Slot& slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() >= capacity()) return false;
    free_.push_back(slot);
    return true;
  }
  static bool enabled() { return capacity() > 0; }

 private:
  // KILN_MEMORY_POOL: the number of free slots kept in the shared pool
  // (default 64; 0 turns pooling off), besides up to kThreadSlots per
  // thread. Their address space only: their pages are freed (or zeroed,
  // see keepResidentBytes).
  static size_t capacity() {
    static const size_t value = [] {
      const char* text = getenv("KILN_MEMORY_POOL");
      return text ? static_cast<size_t>(strtoull(text, nullptr, 10)) : size_t{64};
    }();
    return value;
  }
  std::mutex mutex_;
  std::vector<Slot> free_;

};

// KILN_MEMORY_KEEP_RESIDENT: memories up to this many bytes (and without
// an image) are zeroed rather than freed when they go back to the pool
// (default 64 KiB, one wasm page; 0: always freed).
uint64_t keepResidentBytes() {
  static const uint64_t value = [] {
    const char* text = getenv("KILN_MEMORY_KEEP_RESIDENT");
    return text ? static_cast<uint64_t>(strtoull(text, nullptr, 10)) : uint64_t{KILN_WASM_PAGE_SIZE};
  }();
  return value;
}

SlotPool& sharedPool() {
  static SlotPool* instance = new SlotPool;  // used until exit
  return *instance;
}

void unmapSlot(const Slot& slot) {
  if (slot.registryHandle != SIZE_MAX) reservations().remove(slot.registryHandle);
  munmap(slot.base, kGuardReservation);
}

// Each thread keeps the last few slots it returned in front of the shared
// pool: the next request on the same thread takes one back without the
// pool's lock, with its pages still in this CPU's cache (a slot that moved
// between threads made zeroing it on return cost several times more). A
// thread's slots go to the shared pool (or are unmapped) when it exits.
constexpr size_t kThreadSlots = 4;
struct ThreadSlots {
  Slot slots[kThreadSlots];
  size_t count = 0;
  ~ThreadSlots() {
    for (size_t i = 0; i < count; ++i)
      if (!sharedPool().give(slots[i])) unmapSlot(slots[i]);
  }
};
thread_local ThreadSlots tSlots;

// The pool: this thread's slots, then the shared ones.
Slot takeThreadSlot(size_t i) {
  Slot slot = tSlots.slots[i];
  tSlots.slots[i] = tSlots.slots[--tSlots.count];
  return slot;
}

bool takeSlot(uint64_t imageId, uint64_t bytes, Slot* out) {
  for (size_t i = tSlots.count; i-- > 0;) {
    if (tSlots.slots[i].imageId == imageId && tSlots.slots[i].accessible == bytes) {
      *out = takeThreadSlot(i);
      return true;
    }
  }
  if (sharedPool().take(imageId, bytes, out)) return true;
  if (tSlots.count == 0) return false;
  *out = takeThreadSlot(tSlots.count - 1);
  return true;
}

bool giveSlot(const Slot& slot) {
  if (tSlots.count < kThreadSlots && SlotPool::enabled()) {
    tSlots.slots[tSlots.count++] = slot;
    return true;
  }
  return sharedPool().give(slot);
}

// Makes a slot hold `bytes` accessible bytes starting with `image` (or
// none): remaps it when it holds something else.
bool prepareSlot(Slot& slot, uint64_t bytes, const MemoryImage* image, std::string* error) {
  uint64_t imageId = image ? image->id : 0;
  if (slot.imageId != imageId && slot.accessible) {
    // Another module's image (or one where none is wanted): anonymous,
    // inaccessible pages again.
    if (mmap(slot.base, slot.accessible, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) ==
        MAP_FAILED) {
      *error = std::string("out of memory: cannot reset a linear memory: ") + strerror(errno);
      return false;
    }
    slot.accessible = 0;
    slot.imageId = 0;
  }
  if (image && slot.imageId != imageId) {
    if (mmap(slot.base, image->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, image->fd, 0) == MAP_FAILED) {
      *error = std::string("out of memory: cannot map a module's initial memory: ") + strerror(errno);
      return false;
    }
    slot.imageId = imageId;
    slot.accessible = image->bytes;
  }
  if (slot.accessible < bytes) {
    if (mprotect(slot.base + slot.accessible, bytes - slot.accessible, PROT_READ | PROT_WRITE) != 0) {
      *error = std::string("out of memory: cannot commit ") + std::to_string(bytes / kPage) +
               " pages of linear memory: " + strerror(errno);
      return false;
    }
  } else if (slot.accessible > bytes) {
    if (mprotect(slot.base + bytes, slot.accessible - bytes, PROT_NONE) != 0) {
      *error = std::string("cannot protect a linear memory: ") + strerror(errno);
      return false;
    }
  }
  slot.accessible = bytes;
  return true;
}

}  // namespace

MemoryImage::~MemoryImage() {
  if (fd >= 0) close(fd);
}

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
                                       ResourceAccount* account, std::string* error, bool* limit,
                                       const MemoryImage* image) {
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
  memory->memory.max_pages = cap;
  memory->declaredMax = maxPages;
  memory->guardPages = guardPages;
  memory->initialBytes = bytes;
  if (image && (!guardPages || image->bytes > bytes)) image = nullptr;  // only guard-page slots map images

  if (guardPages) {
    Slot slot;
    if (!takeSlot(image ? image->id : 0, bytes, &slot)) {
      void* base = mmap(nullptr, kGuardReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (base == MAP_FAILED) {
        *error = std::string("out of memory: cannot reserve address space for a linear memory: ") + strerror(errno);
        return nullptr;
      }
      slot.base = static_cast<uint8_t*>(base);
      auto begin = reinterpret_cast<uintptr_t>(base);
      slot.registryHandle = reservations().add(begin, begin + kGuardReservation, base);
    }
    if (!prepareSlot(slot, bytes, image, error)) {
      unmapSlot(slot);
      return nullptr;
    }
    memory->memory.base = slot.base;
    memory->memory.reserved_bytes = kGuardReservation;
    memory->registryHandle = slot.registryHandle;
    memory->imageId = slot.imageId;
    return memory;
  }

  const uint64_t reserved = cap > 0 ? cap * kPage : kPage;
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
  auto begin = reinterpret_cast<uintptr_t>(base);
  memory->registryHandle = reservations().add(begin, begin + reserved, memory.get());
  return memory;
}

Memory::~Memory() {
  if (account) account->memoryBytes -= memory.size;
  if (!memory.base) return;
  if (guardPages) {
    // Back to the pool: its pages freed (an image's pages read as the image
    // again), and only the initial size accessible.
    Slot slot{memory.base, memory.size, imageId, registryHandle};
    // A small memory without an image is zeroed in place instead: every
    // byte is written (so no page the guest wrote survives, swapped out or
    // not), and there is no TLB shootdown, which madvise sends to every
    // other CPU running the process on each return. Its pages stay
    // resident while the slot waits in the pool.
    bool reset;
    if (imageId == 0 && memory.size <= keepResidentBytes()) {
      if (memory.size) std::memset(memory.base, 0, memory.size);
      reset = true;
    } else {
      reset = madvise(memory.base, memory.size, MADV_DONTNEED) == 0;
    }
    if (reset && memory.size > initialBytes)
      reset = mprotect(memory.base + initialBytes, memory.size - initialBytes, PROT_NONE) == 0;
    slot.accessible = initialBytes;
    if (reset && giveSlot(slot)) return;
  }
  if (registryHandle != SIZE_MAX) reservations().remove(registryHandle);
  munmap(memory.base, memory.reserved_bytes);
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
