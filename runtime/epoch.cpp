// The epoch clock and its timer (see rt_epoch.h).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "rt_epoch.h"
#include "rt_store.h"

namespace kiln::rt {
namespace {

using Clock = std::chrono::steady_clock;

const Clock::time_point& origin() {
  static const Clock::time_point start = Clock::now() - std::chrono::milliseconds(1);
  return start;
}

class Timer {
 public:
  void arm(StoreShared* store, uint64_t at) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) {
      // A library thread that lives as long as the process; it holds no
      // guest state and sleeps unless a deadline is armed.
      std::thread([this] { run(); }).detach();
      started_ = true;
    }
    eraseLocked(store);
    store->timerEntry = due_.emplace(at, store);
    store->timerArmed = true;
    if (store->timerEntry == due_.begin()) wake_.notify_one();
  }

  void disarm(StoreShared* store) {
    std::lock_guard<std::mutex> lock(mutex_);
    eraseLocked(store);
  }

 private:
  void eraseLocked(StoreShared* store) {
    if (!store->timerArmed) return;
    due_.erase(store->timerEntry);
    store->timerArmed = false;
  }

  [[noreturn]] void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      uint64_t next = due_.begin()->first;
      if (uint64_t now = epochClockNow(); now < next) {
        // At most an hour at a time: a deadline centuries away (up to
        // UINT64_MAX - 1 ms) must not overflow the clock's arithmetic into
        // the past, which would make this loop spin.
        wake_.wait_for(lock, std::chrono::milliseconds(std::min<uint64_t>(next - now, 3'600'000)));
        continue;
      }
      // The store cannot go meanwhile: its destructor disarms under mutex_.
      auto [at, store] = *due_.begin();
      due_.erase(due_.begin());
      store->timerArmed = false;
      store->deadlineReached(at);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<uint64_t, StoreShared*> due_;
  bool started_ = false;
};

Timer& timer() {
  static Timer* instance = new Timer;  // never destroyed: its thread outlives static destruction
  return *instance;
}

}  // namespace

uint64_t epochClockNow() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - origin()).count());
}

uint64_t epochClockAt(int64_t steadyNanoseconds) {
  Clock::time_point at{std::chrono::nanoseconds(steadyNanoseconds)};
  if (at <= origin()) return 1;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at - origin()).count();
  if (ns > INT64_MAX - 1'000'000) return UINT64_MAX - 1;
  uint64_t ms = static_cast<uint64_t>((ns + 999'999) / 1'000'000);
  return ms < 1 ? 1 : ms;
}

void armEpochTimer(StoreShared* store, uint64_t at) { timer().arm(store, at); }
void disarmEpochTimer(StoreShared* store) { timer().disarm(store); }

}  // namespace kiln::rt
