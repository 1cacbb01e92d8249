// WASI: poll_oneoff. Clock subscriptions (relative or absolute, on any WASI
// clock) and fd_read/fd_write subscriptions, waited for together with one
// rt::waitForHost, which also ends the wait when the store is interrupted or
// its deadline passes (the guest then traps, rt_wasi.h). C's sleep() and
// nanosleep() arrive here as a single clock subscription.
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <vector>

#include "rt_store.h"
#include "rt_wasi.h"

namespace kiln::wasi {
namespace {

constexpr uint8_t kEventClock = 0;
constexpr uint8_t kEventFdRead = 1;
constexpr uint8_t kEventFdWrite = 2;
constexpr uint16_t kSubclockAbstime = 1;
constexpr uint16_t kEventFdReadwriteHangup = 1;

constexpr uint32_t kSubscriptionSize = 48;
constexpr uint32_t kEventSize = 32;

uint64_t nowOn(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

struct Event {
  uint64_t userdata = 0;
  uint16_t error = 0;
  uint8_t type = 0;
  uint64_t nbytes = 0;
  uint16_t flags = 0;
};

void storeEvent(const GuestMemory& mem, uint32_t at, const Event& e) {
  std::memset(mem.at(at), 0, kEventSize);
  mem.storeU64(at, e.userdata);
  mem.storeU16(at + 8, e.error);
  mem.storeU8(at + 10, e.type);
  mem.storeU64(at + 16, e.nbytes);
  mem.storeU16(at + 24, e.flags);
}

struct ClockWait {
  uint64_t userdata;
  clockid_t clock;
  uint64_t deadline;  // on `clock`, nanoseconds
};

struct FdWait {
  uint64_t userdata;
  uint8_t type;
  Descriptor* descriptor;
  size_t pollIndex;  // into the pollfd array; SIZE_MAX: always ready
};

// waitForHost waits in whole milliseconds (poll(2)); a shorter wait, which
// it would round up, sleeps with ppoll for exactly that long instead. It
// cannot be interrupted, nor does it need to be.
constexpr uint64_t kShortWait = 1'000'000;

int32_t pollOneoff(kiln_vmctx* vmctx, int32_t in, int32_t out, int32_t nsubscriptions, int32_t neventsPtr) {
  GuestMemory mem(vmctx);
  const uint32_t count = u32(nsubscriptions);
  if (!mem.valid(u32(neventsPtr), 4)) return kEfault;
  if (!mem.valid(u32(in), uint64_t{kSubscriptionSize} * count) || !mem.valid(u32(out), uint64_t{kEventSize} * count))
    return kEfault;
  if (count == 0) return kEinval;

  WasiState* state = stateOf(vmctx);
  std::vector<Event> ready;
  std::vector<ClockWait> clocks;
  std::vector<FdWait> fds;
  std::vector<pollfd> pollfds;

  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t s = u32(in) + i * kSubscriptionSize;
    const uint64_t userdata = mem.loadU64(s);
    const uint8_t tag = mem.loadU8(s + 8);
    if (tag == kEventClock) {
      const uint32_t id = mem.loadU32(s + 16);
      const uint64_t timeout = mem.loadU64(s + 24);
      const uint16_t flags = mem.loadU16(s + 40);
      clockid_t clock;
      if (!hostClock(static_cast<int32_t>(id), &clock)) {
        ready.push_back({userdata, static_cast<uint16_t>(kEinval), kEventClock, 0, 0});
        continue;
      }
      uint64_t deadline;
      if (flags & kSubclockAbstime) {
        deadline = timeout;
      } else {
        const uint64_t now = nowOn(clock);
        deadline = timeout > std::numeric_limits<uint64_t>::max() - now ? std::numeric_limits<uint64_t>::max()
                                                                         : now + timeout;
      }
      clocks.push_back({userdata, clock, deadline});
    } else if (tag == kEventFdRead || tag == kEventFdWrite) {
      const int32_t fd = static_cast<int32_t>(mem.loadU32(s + 16));
      Descriptor* d = state ? state->fds.get(fd) : nullptr;
      if (!d) {
        ready.push_back({userdata, static_cast<uint16_t>(kEbadf), tag, 0, 0});
        continue;
      }
      const uint64_t right = tag == kEventFdRead ? kRightFdRead : kRightFdWrite;
      if (!(d->rightsBase & (right | kRightPollFdReadwrite))) {
        // A missing right: EBADF, as lookupFd says.
        ready.push_back({userdata, static_cast<uint16_t>(kEbadf), tag, 0, 0});
        continue;
      }
      if (d->kind == Descriptor::Kind::Directory) {
        ready.push_back({userdata, static_cast<uint16_t>(kEisdir), tag, 0, 0});
        continue;
      }
      size_t index = SIZE_MAX;
      if (d->kind == Descriptor::Kind::Stream && d->stream->pollFd() >= 0) {
        index = pollfds.size();
        pollfds.push_back({d->stream->pollFd(), static_cast<short>(tag == kEventFdRead ? POLLIN : POLLOUT), 0});
      }
      fds.push_back({userdata, tag, d, index});
    } else {
      return kEinval;
    }
  }

  // Regular files (and streams with no host descriptor) are always ready.
  for (const FdWait& w : fds) {
    if (w.pollIndex != SIZE_MAX) continue;
    Event e{w.userdata, 0, w.type, 0, 0};
    if (w.type == kEventFdRead && w.descriptor->kind == Descriptor::Kind::File) {
      io::IoResult length = w.descriptor->file->array().length();
      const uint64_t position = w.descriptor->file->position();
      if (length.ok() && length.value > position) e.nbytes = length.value - position;
    }
    ready.push_back(e);
  }

  // Wait: not at all when something is ready already, else until the
  // earliest deadline (or forever, with no clocks), retrying after signals,
  // and never past the store's deadline or an interrupt.
  for (;;) {
    int64_t waitNs = -1;  // no limit
    if (!ready.empty()) {
      waitNs = 0;
    } else if (!clocks.empty()) {
      uint64_t shortest = std::numeric_limits<uint64_t>::max();
      for (const ClockWait& c : clocks) {
        const uint64_t now = nowOn(c.clock);
        const uint64_t left = c.deadline > now ? c.deadline - now : 0;
        if (left < shortest) shortest = left;
      }
      constexpr uint64_t kYear = 365ull * 24 * 3600 * 1'000'000'000u;
      if (shortest > kYear) shortest = kYear;  // wake now and then; the loop waits on
      waitNs = static_cast<int64_t>(shortest);
    }
    for (pollfd& p : pollfds) p.revents = 0;
    if (waitNs > 0 && static_cast<uint64_t>(waitNs) < kShortWait) {
      if (rt::hostShouldStop(vmctx)) return kInterruptedCall;
      const timespec wait{0, static_cast<long>(waitNs)};
      if (::ppoll(pollfds.empty() ? nullptr : pollfds.data(), pollfds.size(), &wait, nullptr) < 0 && errno != EINTR)
        return errnoFromHost(errno);
    } else {
      int error = 0;
      switch (rt::waitForHost(vmctx, pollfds.data(), pollfds.size(), waitNs, &error)) {
        case rt::WaitStatus::Ready:
        case rt::WaitStatus::TimedOut: break;
        case rt::WaitStatus::Interrupted: return kInterruptedCall;
        case rt::WaitStatus::Error: return errnoFromHost(error);
      }
    }
    for (const FdWait& w : fds) {
      if (w.pollIndex == SIZE_MAX) continue;
      const short revents = pollfds[w.pollIndex].revents;
      if (revents == 0) continue;
      Event e{w.userdata, 0, w.type, 0, 0};
      if (revents & POLLNVAL) {
        e.error = kEbadf;
      } else if ((revents & POLLERR) && !(revents & (POLLIN | POLLOUT))) {
        e.error = kEio;
      } else {
        if (revents & POLLHUP) e.flags |= kEventFdReadwriteHangup;
        if (w.type == kEventFdRead) {
          int available = 0;
          if (::ioctl(pollfds[w.pollIndex].fd, FIONREAD, &available) == 0 && available > 0)
            e.nbytes = static_cast<uint64_t>(available);
        }
      }
      ready.push_back(e);
    }
    for (const ClockWait& c : clocks)
      if (nowOn(c.clock) >= c.deadline) ready.push_back({c.userdata, 0, kEventClock, 0, 0});
    if (!ready.empty()) break;
  }

  for (size_t i = 0; i < ready.size(); ++i) storeEvent(mem, u32(out) + static_cast<uint32_t>(i) * kEventSize, ready[i]);
  mem.storeU32(u32(neventsPtr), static_cast<uint32_t>(ready.size()));
  return kSuccess;
}

}  // namespace

int32_t poll_oneoff(kiln_vmctx* vmctx, int32_t in, int32_t out, int32_t nsubscriptions, int32_t neventsPtr) {
  return endIfInterrupted(vmctx, pollOneoff(vmctx, in, out, nsubscriptions, neventsPtr), kEintr);
}

}  // namespace kiln::wasi
