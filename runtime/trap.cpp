// Traps: protected calls, unwinding, the fault handler and raw backtraces.
//
// Every call into compiled code goes through callProtected, which records an
// entry point (a sigjmp_buf) in a thread-local chain. A trap, whether
// explicit (compiled code calls kiln_rt_trap) or a fault (SIGSEGV/SIGBUS in
// compiled code, on a guard page of a linear memory or below the stack),
// records its code and the wasm frames, then siglongjmps to the innermost
// entry point. Nothing between the entry point and the trap may own
// resources: those frames are compiled code, the runtime's entry points and
// host functions, all written for this.
//
// The handler runs on an alternate signal stack (installed per thread by
// prepareThreadForWasm), so a fault caused by stack exhaustion can still be
// handled. A fault that is not ours (PC outside compiled code, or an address
// that is neither in a memory reservation nor near the stack) goes to the
// handler that was installed before ours, or, if there was none, kills the
// process with the default action: host bugs still crash loudly.
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "rt_code_registry.h"
#include "rt_instance.h"
#include "rt_memory.h"
#include "rt_trap.h"

namespace kiln::rt {
namespace {

struct EntryPoint {
  sigjmp_buf buf;
  EntryPoint* prev;
  uintptr_t frame;  // frame address of callProtected; guest frames lie below
  RawTrap* trap;
};

// Per thread, trivially constructible so that the signal handler can read it
// without running any initialiser.
struct ThreadState {
  EntryPoint* top;
  StackBounds stack;
  bool stackKnown;
  bool altStackReady;
};
constinit thread_local ThreadState tState{};

// The alternate signal stack this runtime installed on a thread, removed
// when the thread exits.
struct AltStack {
  void* mapping = nullptr;
  size_t mappingSize = 0;
  void* stack = nullptr;
  ~AltStack() {
    if (!mapping) return;
    stack_t current{};
    if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == stack) {
      stack_t disable{};
      disable.ss_flags = SS_DISABLE;
      sigaltstack(&disable, nullptr);
    }
    munmap(mapping, mappingSize);
  }
};
thread_local AltStack tAltStack;

constexpr size_t kAltStackSize = 64 * 1024;
constexpr size_t kMinAltStackSize = 32 * 1024;
constexpr unsigned kMaxWalk = 1u << 22;

struct sigaction gPreviousSegv;
struct sigaction gPreviousBus;
std::once_flag gHandlersOnce;

// Backtrace capture ----------------------------------------------------------

// The last code range found, so that deep recursion in one module does not
// search the registry for every frame.
struct CodeCache {
  uintptr_t begin = 0;
  uintptr_t end = 0;
};

bool isWasmPc(uintptr_t pc, CodeCache* cache) {
  if (pc >= cache->begin && pc < cache->end) return true;
  return isCompiledCode(pc, &cache->begin, &cache->end);
}

void recordFrame(RawTrap* trap, uintptr_t pc) {
  if (trap->numFrames < kMaxTrapFrames) trap->pcs[trap->numFrames++] = pc;
  ++trap->totalFrames;
}

// Walks the frame-pointer chain from fp up to (not including) the entry
// point's frame, keeping return addresses in compiled code. Every frame
// pointer is checked to lie within this thread's stack before it is read.
// pc, when non-zero, is the faulting instruction (frame #0).
void captureFrames(RawTrap* trap, uintptr_t pc, uintptr_t fp, uintptr_t stop) {
  trap->numFrames = 0;
  trap->totalFrames = 0;
  CodeCache cache;
  if (pc && isWasmPc(pc, &cache)) recordFrame(trap, pc);
  uintptr_t low = tState.stack.low;
  uintptr_t high = tState.stack.high < stop ? tState.stack.high : stop;
  for (unsigned n = 0; n < kMaxWalk; ++n) {
    if (fp < low || fp > high - 2 * sizeof(uintptr_t) || (fp & (sizeof(uintptr_t) - 1)) != 0) break;
    const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
    uintptr_t next = frame[0];
    uintptr_t ret = frame[1];
    // ret - 1: the call instruction, which may be a function's last one.
    if (ret && isWasmPc(ret - 1, &cache)) recordFrame(trap, ret - 1);
    if (next <= fp) break;
    fp = next;
  }
}

// The fault handler -------------------------------------------------------

void chainToPrevious(int sig, siginfo_t* info, void* context) {
  struct sigaction& previous = sig == SIGBUS ? gPreviousBus : gPreviousSegv;
  if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
    previous.sa_sigaction(sig, info, context);
    return;
  }
  if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
    return;
  }
  // No handler before ours: restore the default action. Returning re-runs
  // the faulting instruction, which now kills the process (with a core
  // dump, as without Kiln). A signal sent by kill() would not recur, so
  // re-raise that one.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  if (info->si_code <= 0) raise(sig);
}

void faultHandler(int sig, siginfo_t* info, void* context) {
  int savedErrno = errno;
  auto* uc = static_cast<ucontext_t*>(context);
  EntryPoint* entry = tState.top;
  if (entry && info->si_code > 0) {
    auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
    auto fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
    auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    if (isCompiledCode(pc)) {
      uint32_t code = KILN_TRAP_NONE;
      if (isInMemoryReservation(addr))
        code = KILN_TRAP_MEMORY_OUT_OF_BOUNDS;
      else if (tState.stackKnown && addr >= tState.stack.guardLow && addr < tState.stack.limit)
        code = KILN_TRAP_STACK_OVERFLOW;
      if (code != KILN_TRAP_NONE) {
        RawTrap* trap = entry->trap;
        trap->code = code;
        trap->exited = false;
        captureFrames(trap, pc, fp, entry->frame);
        // The entry point saved no signal mask (saving costs a system call
        // per wasm call); restore the mask from before this signal here.
        sigprocmask(SIG_SETMASK, &uc->uc_sigmask, nullptr);
        siglongjmp(entry->buf, 1);
      }
    }
  }
  errno = savedErrno;
  chainToPrevious(sig, info, context);
}

void installHandlers() {
  struct sigaction action {};
  action.sa_sigaction = faultHandler;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, &gPreviousSegv) != 0 || sigaction(SIGBUS, &action, &gPreviousBus) != 0) {
    perror("kiln: cannot install the SIGSEGV/SIGBUS handler");
    abort();
  }
}

void setupAltStack() {
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE) &&
      current.ss_size >= kMinAltStackSize) {
    return;  // someone (the embedder, a sanitizer) already installed one
  }
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t size = kAltStackSize + page;  // plus a guard page below
  void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mapping == MAP_FAILED) {
    perror("kiln: cannot allocate an alternate signal stack");
    abort();
  }
  mprotect(mapping, page, PROT_NONE);
  stack_t stack{};
  stack.ss_sp = static_cast<char*>(mapping) + page;
  stack.ss_size = kAltStackSize;
  if (sigaltstack(&stack, nullptr) != 0) {
    perror("kiln: cannot install an alternate signal stack");
    abort();
  }
  tAltStack.mapping = mapping;
  tAltStack.mappingSize = size;
  tAltStack.stack = stack.ss_sp;
}

}  // namespace

uintptr_t prepareThreadForWasm() {
  std::call_once(gHandlersOnce, installHandlers);
  if (!tState.altStackReady) {
    setupAltStack();
    tState.altStackReady = true;
  }
  if (!tState.stackKnown) {
    tState.stack = queryThreadStack();
    tState.stackKnown = true;
  }
  return tState.stack.limit;
}

__attribute__((noinline)) bool callProtected(const kiln_func* func, kiln_val* args, RawTrap* trap) {
  prepareThreadForWasm();
  EntryPoint entry;
  entry.prev = tState.top;
  entry.frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  entry.trap = trap;
  if (sigsetjmp(entry.buf, 0) != 0) {
    tState.top = entry.prev;
    return false;
  }
  tState.top = &entry;
  func->array_call(func->code, func->vmctx, args);
  tState.top = entry.prev;
  return true;
}

void unwindExit(int status) {
  EntryPoint* entry = tState.top;
  if (!entry) exit(status);
  RawTrap* trap = entry->trap;
  trap->code = KILN_TRAP_NONE;
  trap->exited = true;
  trap->exitStatus = status;
  trap->numFrames = 0;
  trap->totalFrames = 0;
  siglongjmp(entry->buf, 1);
}

Trap symbolizeTrap(const RawTrap& raw) {
  Trap trap;
  trap.code = static_cast<kiln_trap_code>(raw.code);
  if (raw.exited) trap.exitStatus = raw.exitStatus;
  trap.frames.reserve(raw.numFrames);
  for (uint32_t i = 0; i < raw.numFrames; ++i) trap.frames.push_back(functionNameForPc(raw.pcs[i]));
  trap.droppedFrames = raw.totalFrames - raw.numFrames;
  return trap;
}

}  // namespace kiln::rt

extern "C" __attribute__((noreturn, noinline)) void kiln_rt_trap(kiln_vmctx* vmctx, uint32_t code,
                                                                  uint32_t func_index) {
  using namespace kiln::rt;
  EntryPoint* entry = tState.top;
  if (!entry) {
    fprintf(stderr, "kiln: trap outside of any wasm call: %s\n",
            kiln::trapMessage(static_cast<kiln_trap_code>(code)));
    abort();
  }
  // LLVM may have inlined the trapping function into its caller: then the
  // innermost physical frame is the caller's, and the trap site's own
  // function (func_index, a constant at the call) goes first.
  uintptr_t origin = 0;
  const InstanceData* inst = vmctx ? instanceOf(vmctx) : nullptr;
  if (inst && func_index < inst->desc->num_funcs && inst->desc->funcs[func_index].code) {
    auto start = reinterpret_cast<uintptr_t>(inst->desc->funcs[func_index].code);
    uintptr_t caller = reinterpret_cast<uintptr_t>(__builtin_return_address(0)) - 1;
    if (functionStartForPc(caller) != start) origin = start;
  }
  RawTrap* trap = entry->trap;
  trap->code = code;
  trap->exited = false;
  captureFrames(trap, origin, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), entry->frame);
  siglongjmp(entry->buf, 1);
}
