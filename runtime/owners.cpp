// Ownership registry (see rt_owners.h).
#include <cstdint>
#include <map>
#include <mutex>

#include "rt_owners.h"

namespace kiln::rt {
namespace {

struct Range {
  uintptr_t end;
  std::weak_ptr<void> owner;
};

struct Owners {
  std::mutex mutex;
  std::map<uintptr_t, Range> ranges;  // by begin
};

Owners& owners() {
  static Owners* instance = new Owners;  // never destroyed: objects may outlive static destruction
  return *instance;
}

}  // namespace

void registerOwned(const void* begin, size_t size, std::weak_ptr<void> owner) {
  if (!begin || size == 0) return;
  Owners& o = owners();
  std::lock_guard<std::mutex> lock(o.mutex);
  auto b = reinterpret_cast<uintptr_t>(begin);
  o.ranges[b] = Range{b + size, std::move(owner)};
}

void unregisterOwned(const void* begin) {
  Owners& o = owners();
  std::lock_guard<std::mutex> lock(o.mutex);
  o.ranges.erase(reinterpret_cast<uintptr_t>(begin));
}

std::shared_ptr<void> ownerOf(const void* ptr) {
  Owners& o = owners();
  auto p = reinterpret_cast<uintptr_t>(ptr);
  std::lock_guard<std::mutex> lock(o.mutex);
  auto it = o.ranges.upper_bound(p);
  if (it == o.ranges.begin()) return nullptr;
  --it;
  if (p >= it->second.end) return nullptr;
  return it->second.owner.lock();
}

}  // namespace kiln::rt
