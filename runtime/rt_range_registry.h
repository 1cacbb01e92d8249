// A set of address ranges that a signal handler can search without locks.
//
// The fault handler must decide, inside SIGSEGV, whether a PC lies in
// compiled code and whether a fault address lies in a linear-memory
// reservation. Both sets change while other threads may fault, so lookups
// read an array of atomic slots; adding and removing take a mutex. When the
// array is full a larger copy is published and the old one is kept (never
// freed), so a handler still reading it never touches freed memory.
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
    std::atomic<uintptr_t> begin{0};
    std::atomic<uintptr_t> end{0};
    std::atomic<const void*> owner{nullptr};
  };
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
