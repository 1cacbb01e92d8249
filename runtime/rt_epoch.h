// The process-wide epoch that compiled code compares with each store's
// deadline (kiln_limits::epoch, ::epoch_deadline).
//
// The epoch counts milliseconds of a monotonic clock since the runtime
// started, but it is only published when some deadline falls due: a timer
// thread (started on first use) sleeps until the earliest armed deadline,
// then stores the current time in the counter. Compiled code reads a stale
// value in between, which is all it needs: the value crosses a deadline no
// later than the timer wakes for it. No deadline armed: no thread wakes.
#pragma once

#include <cstdint>

namespace kiln::rt {

// The counter's address, for kiln_limits::epoch. Read it atomically.
const uint64_t* epochCounter();
// The clock the epoch follows, in milliseconds; always at least 1 (so that
// a deadline of 0 has always passed: that is how interrupts work).
uint64_t epochClockNow();
// Converts a steady_clock time to this clock, rounding up.
uint64_t epochClockAt(int64_t steadyNanoseconds);
// Makes sure the counter reaches `deadline` (a value of epochClockNow's
// clock) soon after that time comes.
void armEpochDeadline(uint64_t deadline);

}  // namespace kiln::rt
