// Stack bounds and the stack limit for compiled code.
//
// Strategy: guest code runs on the stack of the thread that calls
// Store::call; there is no separate guest stack. Compiled functions compare
// their frame address with kiln_limits::stack_limit before they call, and
// functions with large frames probe (abi.h, the stack contract); both trap
// with KILN_TRAP_STACK_OVERFLOW below it. The lowest limit on a thread is the
// stack's low end plus KILN_STACK_MARGIN (a quarter of the stack for stacks
// under 1 MiB), which leaves room below the limit for host functions called
// from the deepest guest frame (WASI), for the trap path (kiln_rt_trap walks
// the frames without allocating, then siglongjmps), and for a leaf function
// that skips the check. On the main thread this gives the guest nearly the
// whole RLIMIT_STACK (8 MiB by default); other threads get their own stack
// size; a store's stack budget (StoreLimits::maxStackBytes) raises the
// limit above this (store.cpp). An overflow the checks miss (compiled code
// that breaks the contract) faults in the guard region, and the fault
// handler turns that into the same trap when the PC is in compiled code.
//
// Why not a dedicated guest stack: switching stacks needs assembly, hides the
// host frames from debuggers and sanitizers (ASan would need fiber
// annotations), and the spec's assert_exhaustion tests and ordinary C
// programs (which keep their data on wasm's shadow stack in linear memory)
// run fine within 8 MiB. Embedders that want a deeper guest stack can call
// into wasm from a thread created with a larger stack.
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rt_trap.h"

extern "C" void* __libc_stack_end;  // glibc: near the top of the main thread's stack

namespace kiln::rt {
namespace {

constexpr uintptr_t kMargin = KILN_STACK_MARGIN;
// Below the stack, faults this far down still count as stack overflows: the
// kernel's stack guard gap for the main thread (256 pages), the guard page
// of other threads.
constexpr uintptr_t kGuardWindow = 1024 * 1024;
// With an unlimited RLIMIT_STACK the main thread's stack is bounded only by
// the next mapping; let the guest use at most this much of it.
constexpr uintptr_t kMaxGuestStack = 1ull << 30;

// The main thread's stack without pthread_getattr_np, which parses
// /proc/self/maps (a tenth of a hello-world's start-up). The kernel lets the
// stack grow to RLIMIT_STACK below its top, and the top lies above
// __libc_stack_end by the arguments and environment, at most a quarter of
// the limit (execve's own bound) plus the auxiliary vector. Assuming the
// largest such gap can only place `addr` above the true low end: the guest
// gets a little less stack, never more. `guard` widens the window in which a
// fault counts as a stack overflow by that same gap, so that it still covers
// the kernel's guard gap below the true low end.
bool mainThreadStack(void** addr, size_t* size, size_t* guard) {
  if (getpid() != gettid()) return false;
  rlimit limit{};
  if (getrlimit(RLIMIT_STACK, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t top = (reinterpret_cast<uintptr_t>(__libc_stack_end) + page - 1) & ~(page - 1);
  const uintptr_t reach = static_cast<uintptr_t>(limit.rlim_cur);
  const uintptr_t usable = reach - reach / 4 - 64 * 1024;
  if (reach < 1024 * 1024 || top < usable) return false;
  *addr = reinterpret_cast<void*>(top - usable);
  *size = usable;
  *guard = (reach - usable) + kGuardWindow;
  return true;
}

}  // namespace

StackBounds queryThreadStack() {
  StackBounds bounds;
  pthread_attr_t attr;
  void* addr = nullptr;
  size_t size = 0;
  size_t guard = 0;
  if (!mainThreadStack(&addr, &size, &guard) && pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_getguardsize(&attr, &guard);
    pthread_attr_destroy(&attr);
  }
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (addr == nullptr || size == 0 || here < reinterpret_cast<uintptr_t>(addr) ||
      here >= reinterpret_cast<uintptr_t>(addr) + size) {
    // Unknown bounds (should not happen on Linux): assume 1 MiB below here.
    bounds.high = here + 64 * 1024;
    bounds.low = here - 1024 * 1024;
  } else {
    bounds.low = reinterpret_cast<uintptr_t>(addr);
    bounds.high = bounds.low + size;
  }
  uintptr_t window = guard > kGuardWindow ? guard : kGuardWindow;
  bounds.guardLow = bounds.low > window ? bounds.low - window : 0;
  uintptr_t stackSize = bounds.high - bounds.low;
  uintptr_t margin = stackSize >= 4 * kMargin ? kMargin : stackSize / 4;
  bounds.limit = bounds.low + margin;
  if (stackSize > kMaxGuestStack && bounds.limit < here - kMaxGuestStack) bounds.limit = here - kMaxGuestStack;
  return bounds;
}

}  // namespace kiln::rt
