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
// process with the default action: host bugs still crash loudly. An
// embedder that handles SIGSEGV itself turns ours off and calls
// handleWasmFault from its handler (kiln.h).
//
// The runtime never ends the process: failures to prepare a thread are
// error returns. The one exception is a trap in compiled code that was
// called without Store::call (so that there is no entry point to unwind to),
// which the embedding API does not allow: that aborts.
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cstddef>
#include <atomic>
#include <mutex>
#include <string>

#include "rt_code_registry.h"
#include "rt_instance.h"
#include "rt_memory.h"
#include "rt_trap.h"

namespace kiln::rt {

thread_local std::string tHostTrapMessage;

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
std::mutex gHandlersMutex;
// Set once, under gHandlersMutex; read without it on every call into wasm
// (taking the mutex there serialised every thread's calls).
std::atomic<bool> gHandlersInstalled{false};
std::atomic<bool> gHandlersEnabled{true};

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

// The trap for a fault, or KILN_TRAP_NONE when the fault is not a trap in
// compiled code on this thread.
uint32_t trapForFault(const siginfo_t* info, const ucontext_t* uc) {
  if (!tState.top || info->si_code <= 0) return KILN_TRAP_NONE;
  auto pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
  if (!isCompiledCode(pc)) return KILN_TRAP_NONE;
  if (isInMemoryReservation(addr)) return KILN_TRAP_MEMORY_OUT_OF_BOUNDS;
  if (tState.stackKnown && addr >= tState.stack.guardLow && addr < tState.stack.limit) return KILN_TRAP_STACK_OVERFLOW;
  return KILN_TRAP_NONE;
}

// Unwinds a fault that is a trap to the innermost entry point.
[[noreturn]] void unwindFault(uint32_t code, ucontext_t* uc) {
  EntryPoint* entry = tState.top;
  RawTrap* trap = entry->trap;
  trap->code = code;
  trap->exited = false;
  captureFrames(trap, static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]),
                static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]), entry->frame);
  // The entry point saved no signal mask (saving costs a system call per
  // wasm call); restore the mask from before this signal here.
  sigprocmask(SIG_SETMASK, &uc->uc_sigmask, nullptr);
  siglongjmp(entry->buf, 1);
}

void faultHandler(int sig, siginfo_t* info, void* context) {
  int savedErrno = errno;
  auto* uc = static_cast<ucontext_t*>(context);
  if (uint32_t code = trapForFault(info, uc); code != KILN_TRAP_NONE) unwindFault(code, uc);
  errno = savedErrno;
  chainToPrevious(sig, info, context);
}

// Installs the handlers once, unless the embedder turned them off.
bool installHandlers(std::string* error) {
  if (!gHandlersEnabled.load(std::memory_order_acquire)) return true;
  if (gHandlersInstalled.load(std::memory_order_acquire)) return true;
  std::lock_guard<std::mutex> lock(gHandlersMutex);
  if (gHandlersInstalled.load(std::memory_order_relaxed)) return true;
  struct sigaction action {};
  action.sa_sigaction = faultHandler;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, &gPreviousSegv) != 0) {
    *error = std::string("cannot install the SIGSEGV handler: ") + strerror(errno);
    return false;
  }
  if (sigaction(SIGBUS, &action, &gPreviousBus) != 0) {
    *error = std::string("cannot install the SIGBUS handler: ") + strerror(errno);
    sigaction(SIGSEGV, &gPreviousSegv, nullptr);
    return false;
  }
  gHandlersInstalled.store(true, std::memory_order_release);
  return true;
}

bool setupAltStack(std::string* error) {
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && !(current.ss_flags & SS_DISABLE) &&
      current.ss_size >= kMinAltStackSize) {
    return true;  // someone (the embedder, a sanitizer) already installed one
  }
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t size = kAltStackSize + page;  // plus a guard page below
  void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mapping == MAP_FAILED) {
    *error = std::string("cannot allocate an alternate signal stack: ") + strerror(errno);
    return false;
  }
  mprotect(mapping, page, PROT_NONE);
  stack_t stack{};
  stack.ss_sp = static_cast<char*>(mapping) + page;
  stack.ss_size = kAltStackSize;
  if (sigaltstack(&stack, nullptr) != 0) {
    *error = std::string("cannot install an alternate signal stack: ") + strerror(errno);
    munmap(mapping, size);
    return false;
  }
  tAltStack.mapping = mapping;
  tAltStack.mappingSize = size;
  tAltStack.stack = stack.ss_sp;
  return true;
}

}  // namespace

bool prepareThreadForWasm(uintptr_t* limit, std::string* error) {
  if (!installHandlers(error)) return false;
  if (!tState.altStackReady) {
    if (!setupAltStack(error)) return false;
    tState.altStackReady = true;
  }
  if (!tState.stackKnown) {
    tState.stack = queryThreadStack();
    tState.stackKnown = true;
  }
  *limit = tState.stack.limit;
  return true;
}

__attribute__((noinline)) bool callProtected(const kiln_func* func, kiln_val* args, RawTrap* trap) {
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
  if (!entry) return;
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
  trap.origins.reserve(raw.numFrames);
  for (uint32_t i = 0; i < raw.numFrames; ++i) {
    trap.frames.push_back(functionNameForPc(raw.pcs[i]));
    trap.origins.push_back(functionForPc(raw.pcs[i]));
  }
  if (raw.code == KILN_TRAP_HOST) trap.message = std::move(tHostTrapMessage);
  trap.droppedFrames = raw.totalFrames - raw.numFrames;
  return trap;
}

}  // namespace kiln::rt

namespace kiln::rt {
namespace {

// A store that must stop raises its stack limit out of reach (rt_store.h,
// StoreShared::entryLimit), so a failed stack check may mean an interrupt.
uint32_t stopOrOverflow(const kiln_vmctx* vmctx, uint32_t code) {
  if (code == KILN_TRAP_STACK_OVERFLOW && vmctx && vmctx->limits &&
      std::atomic_ref<uint32_t>(vmctx->limits->interrupt).load() != 0)
    return KILN_TRAP_INTERRUPTED;
  return code;
}

}  // namespace
}  // namespace kiln::rt

namespace kiln {

void setFaultHandlersEnabled(bool enabled) { rt::gHandlersEnabled.store(enabled, std::memory_order_release); }

bool handleWasmFault(int, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  uint32_t code = rt::trapForFault(info, uc);
  if (code == KILN_TRAP_NONE) return false;
  rt::unwindFault(code, uc);
}

}  // namespace kiln

extern "C" __attribute__((noreturn, noinline)) void kiln_rt_trap(kiln_vmctx* vmctx, uint32_t code,
                                                                  uint32_t func_index) {
  using namespace kiln::rt;
  EntryPoint* entry = tState.top;
  if (!entry) {
    // Compiled code was called other than through Store::call: there is
    // nothing to unwind to (see the top of this file).
    fprintf(stderr, "kiln: trap outside of any call into wasm (compiled code must be called through Store::call): %s\n",
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
  trap->code = stopOrOverflow(vmctx, code);
  trap->exited = false;
  captureFrames(trap, origin, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), entry->frame);
  siglongjmp(entry->buf, 1);
}

// The stack probe (abi.h, KILN_RT_PROBESTACK_SYMBOL): called from the
// prologue of a function whose frame is KILN_STACK_PROBE_SIZE bytes or more,
// with the frame's size in rax and vmctx in rdi; preserves every register
// but the flags. When the frame would reach below the stack limit it calls
// kiln_rt_probe_overflow with the return address (in that prologue), which
// traps.
extern "C" __attribute__((noreturn, noinline, used)) void kiln_rt_probe_overflow(kiln_vmctx* vmctx, uintptr_t pc) {
  using namespace kiln::rt;
  EntryPoint* entry = tState.top;
  if (!entry) {
    fputs("kiln: stack probe outside of any call into wasm (compiled code must be called through Store::call)\n",
          stderr);
    abort();
  }
  RawTrap* trap = entry->trap;
  trap->code = stopOrOverflow(vmctx, KILN_TRAP_STACK_OVERFLOW);
  trap->exited = false;
  captureFrames(trap, pc, reinterpret_cast<uintptr_t>(__builtin_frame_address(0)), entry->frame);
  siglongjmp(entry->buf, 1);
}

static_assert(offsetof(kiln_vmctx, limits) == 16 && offsetof(kiln_limits, stack_limit) == 0,
              "kiln_rt_probestack below reads vmctx->limits->stack_limit at these offsets");
asm(R"(
  .text
  .globl kiln_rt_probestack
  .type kiln_rt_probestack, @function
  .p2align 4
kiln_rt_probestack:
  .cfi_startproc
  pushq %r10
  .cfi_adjust_cfa_offset 8
  pushq %r11
  .cfi_adjust_cfa_offset 8
  leaq 24(%rsp), %r10     # the caller's rsp before the call
  subq %rax, %r10         # the frame's bottom
  jb 1f
  movq 16(%rdi), %r11     # vmctx->limits
  cmpq (%r11), %r10       # limits->stack_limit
  jb 1f
  popq %r11
  .cfi_adjust_cfa_offset -8
  popq %r10
  .cfi_adjust_cfa_offset -8
  ret
1:
  .cfi_adjust_cfa_offset 16
  popq %r11
  .cfi_adjust_cfa_offset -8
  popq %r10
  .cfi_adjust_cfa_offset -8
  movq (%rsp), %rsi       # the return address, in the function's prologue
  andq $-16, %rsp
  call kiln_rt_probe_overflow@PLT
  ud2
  .cfi_endproc
  .size kiln_rt_probestack, .-kiln_rt_probestack
)");
