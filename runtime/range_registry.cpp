#include "rt_range_registry.h"

namespace kiln::rt {

void RangeRegistry::write(Slot& slot, uintptr_t begin, uintptr_t end, const void* owner) {
  const uint64_t sequence = slot.sequence.load(std::memory_order_relaxed);
  slot.sequence.store(sequence + 1, std::memory_order_relaxed);
  // Release stores (not a fence, which TSan does not model): a lookup that
  // reads any new field then sees the odd number, or a later one.
  slot.begin.store(begin, std::memory_order_release);
  slot.end.store(end, std::memory_order_release);
  slot.owner.store(owner, std::memory_order_release);
  slot.sequence.store(sequence + 2, std::memory_order_release);
}

size_t RangeRegistry::add(uintptr_t begin, uintptr_t end, const void* owner) {
  std::lock_guard<std::mutex> lock(mutex_);
  Array* array = current_.load(std::memory_order_relaxed);
  size_t used = used_.load(std::memory_order_relaxed);
  // Reuse a free slot first.
  if (array) {
    for (size_t i = 0; i < used; ++i) {
      Slot& slot = array->slots[i];
      if (slot.owner.load(std::memory_order_relaxed) == nullptr) {
        write(slot, begin, end, owner);
        return i;
      }
    }
  }
  if (!array || used == array->capacity) {
    auto* grown = new Array;
    grown->capacity = array ? array->capacity * 2 : 64;
    grown->slots = new Slot[grown->capacity];
    // Not yet visible to lookups: plain copies, published below.
    for (size_t i = 0; i < used; ++i) {
      grown->slots[i].begin.store(array->slots[i].begin.load(std::memory_order_relaxed), std::memory_order_relaxed);
      grown->slots[i].end.store(array->slots[i].end.load(std::memory_order_relaxed), std::memory_order_relaxed);
      grown->slots[i].owner.store(array->slots[i].owner.load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
    current_.store(grown, std::memory_order_release);
    if (array) retired_.push_back(array);
    array = grown;
  }
  write(array->slots[used], begin, end, owner);
  used_.store(used + 1, std::memory_order_release);
  return used;
}

void RangeRegistry::remove(size_t handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  Array* array = current_.load(std::memory_order_relaxed);
  if (!array || handle >= used_.load(std::memory_order_relaxed)) return;
  write(array->slots[handle], 0, 0, nullptr);
}

const void* RangeRegistry::find(uintptr_t addr, uintptr_t* begin, uintptr_t* end) const {
  size_t used = used_.load(std::memory_order_acquire);
  const Array* array = current_.load(std::memory_order_acquire);
  if (!array) return nullptr;
  if (used > array->capacity) used = array->capacity;
  for (size_t i = 0; i < used; ++i) {
    const Slot& slot = array->slots[i];
    const uint64_t sequence = slot.sequence.load(std::memory_order_acquire);
    if (sequence & 1) continue;
    const void* owner = slot.owner.load(std::memory_order_acquire);
    uintptr_t b = slot.begin.load(std::memory_order_acquire);
    uintptr_t e = slot.end.load(std::memory_order_acquire);
    // The fields read belong together only if no write began meanwhile.
    if (!owner || slot.sequence.load(std::memory_order_relaxed) != sequence) continue;
    if (addr >= b && addr < e) {
      if (begin) *begin = b;
      if (end) *end = e;
      return owner;
    }
  }
  return nullptr;
}

}  // namespace kiln::rt
