// The process-wide epoch and its timer (see rt_epoch.h).
#include <atomic>
#include <cstdint>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

#include "rt_epoch.h"

namespace kiln::rt {
namespace {

using Clock = std::chrono::steady_clock;

// Read by compiled code through kiln_limits::epoch, as a plain uint64_t
// with relaxed atomic loads; written here only through atomic_ref.
alignas(64) uint64_t gEpoch = 0;

const Clock::time_point& origin() {
  static const Clock::time_point start = Clock::now() - std::chrono::milliseconds(1);
  return start;
}

class Timer {
 public:
  void arm(uint64_t deadline) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_) {
      // A library thread that lives as long as the process; it holds no
      // guest state and sleeps unless a deadline is armed.
      std::thread([this] { run(); }).detach();
      started_ = true;
    }
    bool earliest = due_.empty() || deadline < due_.top();
    due_.push(deadline);
    if (earliest) wake_.notify_one();
  }

 private:
  [[noreturn]] void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      uint64_t next = due_.top();
      uint64_t now = epochClockNow();
      if (now < next) {
        wake_.wait_until(lock, origin() + std::chrono::milliseconds(next));
        continue;
      }
      publish(now);
      while (!due_.empty() && due_.top() <= now) due_.pop();
    }
  }

  static void publish(uint64_t now) {
    std::atomic_ref<uint64_t> epoch(gEpoch);
    uint64_t seen = epoch.load(std::memory_order_relaxed);
    while (seen < now && !epoch.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<uint64_t>> due_;
  bool started_ = false;
};

Timer& timer() {
  static Timer* instance = new Timer;  // never destroyed: its thread outlives static destruction
  return *instance;
}

}  // namespace

const uint64_t* epochCounter() { return &gEpoch; }

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

void armEpochDeadline(uint64_t deadline) { timer().arm(deadline); }

}  // namespace kiln::rt
