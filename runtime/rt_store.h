// The runtime side of kiln::Store (store.cpp): the limits block compiled code
// reads, the resource account that memories and tables charge, and entry
// into wasm.
#pragma once

// poll.h: waitForHost takes ::pollfd (without it, `struct pollfd` below would
// declare a kiln::rt::pollfd that nothing defines).
#include <poll.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "kiln/abi.h"
#include "kiln/kiln.hpp"

namespace kiln::rt {

struct Memory;
struct Table;
struct InstanceData;

// What a store and its interrupt handles share: it lives as long as either.
struct StoreShared {
  kiln_limits limits{};
  // The deadline on the epoch clock (UINT64_MAX: none) and whether the store
  // was interrupted; both are read without the lock, and changed, together
  // with limits.interrupt, under it.
  std::mutex mutex;
  std::atomic<uint64_t> deadline{UINT64_MAX};
  std::atomic<bool> interrupted{false};
  // An eventfd that interrupt() signals, made by the first host call that
  // blocks (waitForHost); -1 until then.
  std::atomic<int> wakeFd{-1};
  // The stack limit of the call running in the store (UINTPTR_MAX when
  // none). While the store must stop, limits.stack_limit is UINTPTR_MAX
  // instead, so that the stack check compiled code makes before every call
  // fails, and the runtime reports that as an interrupt: calls need no
  // check of their own (docs/architecture.md, Interruption).
  uintptr_t entryLimit = UINTPTR_MAX;
  // Sets limits.stack_limit for a call entering or leaving the store: the
  // given limit, or UINTPTR_MAX while the interrupt word is set.
  void setStackLimit(uintptr_t limit);
  // The epoch timer's entry for this store (guarded by the timer's lock).
  std::multimap<uint64_t, StoreShared*>::iterator timerEntry;
  bool timerArmed = false;
  // Whether a deadline was ever set: only then must the destructor take the
  // timer's (process-wide) lock to disarm it.
  std::atomic<bool> timerUsed{false};

  StoreShared();
  ~StoreShared();
  StoreShared(const StoreShared&) = delete;
  StoreShared& operator=(const StoreShared&) = delete;

  void setDeadline(uint64_t at);  // UINT64_MAX: none
  void interrupt();
  // From the epoch timer.
  void deadlineReached(uint64_t at);
  // Whether compiled code must stop now (interrupted, or the deadline has
  // passed on the real clock, even if the timer has not fired yet).
  bool mustStop() const;
  // Makes wakeFd if there is none yet; -1 when it cannot.
  int ensureWakeFd();

 private:
  void setInterruptWord(bool stop);
};

// A host function made by Store::hostFunction. Its kiln_func's context is
// `context`, a VM context header of its own (limits: the store's; instance:
// null; host: this), which the host-call thunk passes to kiln_rt_host_call.
struct HostFunction {
  kiln_vmctx context{};
  kiln_func func{};
  ArrayHostFunc def;
};

// The host function whose kiln_func is func, if func is one (its context
// says so: no instance, and `host` pointing back at it).
inline HostFunction* hostFunctionOf(const kiln_func* func) {
  if (!func || !func->vmctx || func->vmctx->instance) return nullptr;
  auto* hf = static_cast<HostFunction*>(func->vmctx->host);
  return hf && &hf->func == func ? hf : nullptr;
}

// Runs a host function's callback; false, with the trap's message (never
// empty), when it failed (host_call.cpp).
bool callHostFunction(HostFunction& hf, kiln_val* args, std::string* message);

// Gives the store's host functions that have no code yet the host-call
// thunks of `module`'s signatures (host_call.cpp).
void bindHostFunctions(Store::Impl& store, const kiln_module_desc* module, const std::vector<uint32_t>& typeIds);

// Memory and table usage against the store's limits. Only the thread that
// uses the store touches it.
struct ResourceAccount {
  uint64_t memoryBytes = 0;
  uint64_t maxMemoryBytes = StoreLimits::kUnlimited;
  uint64_t tableElements = 0;
  uint64_t maxTableElements = StoreLimits::kUnlimited;
  bool chargeMemory(uint64_t bytes);
  bool chargeTable(uint64_t elements);
};

}  // namespace kiln::rt

namespace kiln {

struct Store::Impl {
  explicit Impl(Store* owner, StoreConfig config);
  ~Impl();

  Store* owner;
  StoreConfig config;
  std::shared_ptr<rt::StoreShared> shared;
  rt::ResourceAccount account;
  // Everything made in the store. Instances go last (after the objects they
  // import from this list, in any order: nothing is touched on the way out).
  std::vector<std::unique_ptr<rt::InstanceData>> instances;
  std::vector<std::unique_ptr<rt::Memory>> memories;
  std::vector<std::unique_ptr<rt::Table>> tables;
  std::vector<std::unique_ptr<kiln_val>> globals;
  std::vector<std::unique_ptr<rt::HostFunction>> hostFuncs;
  size_t unboundHostFuncs = 0;
  // The memories, tables and global cells made in this store: imports must
  // be among them.
  std::unordered_set<const void*> objects;
  // Entry into wasm: the thread (its kernel id) that is running the store's
  // code, 0 when none, and how deeply it is nested.
  std::atomic<long> runningThread{0};
  uint32_t depth = 0;

  bool owns(const void* object) const { return objects.count(object) != 0; }
};

}  // namespace kiln

namespace kiln::rt {

// For host functions that block (WASI poll_oneoff and reads, Dagger's
// network I/O): waits like poll(2) for one of `fds` (possibly none) for at
// most timeoutNs (negative: no limit), but returns Interrupted as soon as the
// store of the instance owning vmctx is interrupted or its deadline passes.
// On Error, *error holds the errno.
enum class WaitStatus { Ready, TimedOut, Interrupted, Error };
WaitStatus waitForHost(kiln_vmctx* vmctx, struct pollfd* fds, size_t count, int64_t timeoutNs, int* error);
// Whether the store of vmctx's instance is interrupted or past its deadline.
bool hostShouldStop(kiln_vmctx* vmctx);

}  // namespace kiln::rt
