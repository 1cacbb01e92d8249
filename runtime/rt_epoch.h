// The epoch: the runtime's clock for deadlines, and the timer thread that
// stops a store when its deadline falls due.
//
// The clock counts milliseconds of a monotonic clock since the runtime
// started. The timer thread (started on first use) sleeps until the earliest
// armed deadline, then sets the interrupt word of every store whose deadline
// has come (kiln_limits::interrupt), which compiled code tests at loop
// headers and before calls. With no deadline armed, nothing wakes.
#pragma once

#include <cstdint>

namespace kiln::rt {

struct StoreShared;

// The clock, in milliseconds; always at least 1.
uint64_t epochClockNow();
// Converts a steady_clock time (nanoseconds since its epoch) to this clock,
// rounding up.
uint64_t epochClockAt(int64_t steadyNanoseconds);
// Arms `store`'s deadline `at` (replacing any it had): at that time the timer
// calls store->deadlineReached(at). Disarm before the store goes.
void armEpochTimer(StoreShared* store, uint64_t at);
void disarmEpochTimer(StoreShared* store);

}  // namespace kiln::rt
