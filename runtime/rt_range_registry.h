// A set of address ranges that a signal handler can search without locks.
//
// The fault handler must decide, inside SIGSEGV, whether a PC lies in
// compiled code and whether a fault address lies in a linear-memory
// reservation. Both sets change while other threads may fault, so lookups
// read an array of atomic slots; adding and removing take a mutex. When the
// array is full a larger copy is published and the old one is kept (never
// freed), so a handler still reading it never touches freed memory. A slot
// freed and reused while a lookup reads it would give the lookup the begin
// of one range and the end of another, so each slot has a sequence number
// (a seqlock): odd while the slot is being written, and a lookup skips a
// slot whose number was odd or changed while it read (such a range is
// being added or removed: no thread can be faulting in it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace kiln::rt {

class RangeRegistry {
 public:
  RangeRegistry() = default;
  RangeRegistry(const RangeRegistry&) = delete;
  RangeRegistry& operator=(const RangeRegistry&) = delete;

  // Adds [begin, end) with an owner tag; returns a handle for remove().
  size_t add(uintptr_t begin, uintptr_t end, const void* owner);
  void remove(size_t handle);
  // Async-signal-safe. Returns the owner of the range holding addr, or
  // nullptr.
  // When found, *begin and *end (if not null) receive the range.
  const void* find(uintptr_t addr, uintptr_t* begin = nullptr, uintptr_t* end = nullptr) const;

 private:
  struct Slot {
    std::atomic<uint64_t> sequence{0};  // odd while being written
    std::atomic<uintptr_t> begin{0};
    std::atomic<uintptr_t> end{0};
    std::atomic<const void*> owner{nullptr};
  };
  // Writes a slot (with the mutex held), bumping its sequence number.
  static void write(Slot& slot, uintptr_t begin, uintptr_t end, const void* owner);
  struct Array {
    size_t capacity = 0;
    Slot* slots = nullptr;
  };

  std::mutex mutex_;
  std::atomic<Array*> current_{nullptr};
  std::atomic<size_t> used_{0};  // slots [0, used_) may be live
  std::vector<Array*> retired_;  // kept alive for readers; see above
};

}  // namespace kiln::rt
