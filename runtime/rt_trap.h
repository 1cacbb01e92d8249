// Trap handling: protected calls into compiled code, unwinding on a trap or
// a guest exit (siglongjmp to the innermost protected call on the thread),
// the SIGSEGV/SIGBUS handler, and raw backtraces.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"

namespace kiln::rt {

constexpr size_t kMaxTrapFrames = 128;

// What a trap leaves behind, filled without allocating (possibly in a signal
// handler): the code and the return addresses of the wasm frames, innermost
// first.
struct RawTrap {
  uint32_t code = KILN_TRAP_NONE;
  bool exited = false;  // the guest called proc_exit (or exitGuest)
  int exitStatus = 0;
  uint32_t numFrames = 0;
  uint64_t totalFrames = 0;  // wasm frames seen; numFrames of them recorded
  uintptr_t pcs[kMaxTrapFrames];
};

// Sets up the calling thread to run wasm (signal handlers, alternate signal
// stack, stack bounds) and stores the lowest stack limit compiled code may
// have on this thread in *limit. False, with *error, when it cannot.
bool prepareThreadForWasm(uintptr_t* limit, std::string* error);

// Calls func->array_call(func->code, func->vmctx, args) with trap protection.
// Returns true when the call returned, false after a trap or a guest exit,
// which *trap then describes. Nestable (host -> wasm -> host -> wasm).
bool callProtected(const kiln_func* func, kiln_val* args, RawTrap* trap);

// Unwinds the innermost protected call on this thread as a guest exit.
// Outside any protected call, returns.
void unwindExit(int status);

// Names the frames of a raw trap.
Trap symbolizeTrap(const RawTrap& raw);

// The message of the host function whose failure is unwinding this thread
// (KILN_TRAP_HOST, kiln_rt_host_call); symbolizeTrap moves it into the Trap.
extern thread_local std::string tHostTrapMessage;

// Thread stack bounds (thread_stack.cpp).
struct StackBounds {
  uintptr_t low = 0;       // lowest usable address of the thread's stack
  uintptr_t high = 0;      // one past the highest
  uintptr_t guardLow = 0;  // faults in [guardLow, low) are stack overflows
  uintptr_t limit = 0;     // the stack limit for compiled code
};
StackBounds queryThreadStack();

}  // namespace kiln::rt
