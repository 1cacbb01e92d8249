// Stores (kiln.h): ownership of everything instantiated, limits, entry into
// wasm, deadlines, interrupts and fuel.
//
// Entry into wasm. Every call goes through Store::call, which (1) makes sure
// no other thread is running the store's code, (2) on the outermost entry on
// this thread sets the store's stack limit from this thread's stack and the
// store's stack budget, and restores the previous limit on the way out
// (a host function that calls back into the same store keeps the budget of
// the outermost entry), and (3) calls with trap protection. Nothing that
// depends on the thread is kept anywhere else.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "rt_code_registry.h"
#include "rt_epoch.h"
#include "rt_instance.h"
#include "rt_store.h"
#include "rt_trap.h"

namespace kiln {
namespace rt {

StoreShared::StoreShared() {
  limits.stack_limit = UINTPTR_MAX;  // set on entry
  limits.fuel = INT64_MAX;
}

StoreShared::~StoreShared() {
  if (timerUsed.load()) disarmEpochTimer(this);
  int fd = wakeFd.load();
  if (fd >= 0) close(fd);
}

// The word and the stack limit are written in this order, and read in the
// opposite one by setStackLimit, all sequentially consistent: whichever of
// the two threads comes second sees the other's word or overwrites its limit.
void StoreShared::setInterruptWord(bool stop) {
  std::atomic_ref<uint32_t>(limits.interrupt).store(stop ? 1 : 0);
  std::atomic_ref<uintptr_t>(limits.stack_limit).store(stop ? UINTPTR_MAX : entryLimit);
}

void StoreShared::setStackLimit(uintptr_t limit) {
  std::atomic_ref<uintptr_t> stackLimit(limits.stack_limit);
  stackLimit.store(limit);
  if (std::atomic_ref<uint32_t>(limits.interrupt).load()) stackLimit.store(UINTPTR_MAX);
}

void StoreShared::setDeadline(uint64_t at) {
  bool future;
  {
    std::lock_guard<std::mutex> lock(mutex);
    deadline.store(at);
    future = at == UINT64_MAX || at > epochClockNow();
    if (!interrupted.load()) setInterruptWord(!future);
  }
  // Outside the lock: the timer takes its own lock, then this one.
  timerUsed.store(true);
  if (at != UINT64_MAX && future)
    armEpochTimer(this, at);
  else
    disarmEpochTimer(this);
}

void StoreShared::interrupt() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    interrupted.store(true);
    setInterruptWord(true);
  }
  int fd = wakeFd.load();
  if (fd >= 0) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written;  // a full counter already wakes the waiter
  }
}

void StoreShared::deadlineReached(uint64_t at) {
  std::lock_guard<std::mutex> lock(mutex);
  if (deadline.load() == at) setInterruptWord(true);
}

// seq_cst (the default), not acquire: waitForHost publishes wakeFd and then
// reads `interrupted`, while interrupt() sets the flag and then reads wakeFd.
// Only sequentially consistent accesses on both sides guarantee that one of
// them sees the other's write (otherwise both may miss, and the waiter
// sleeps on through the interrupt).
bool StoreShared::mustStop() const { return interrupted.load() || deadline.load() <= epochClockNow(); }

int StoreShared::ensureWakeFd() {
  int fd = wakeFd.load();
  if (fd >= 0) return fd;
  int made = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (made < 0) return -1;
  int expected = -1;
  if (!wakeFd.compare_exchange_strong(expected, made)) {
    close(made);
    return expected;
  }
  return made;
}

static long currentThreadId() {
  thread_local long id = syscall(SYS_gettid);
  return id;
}

static Trap callError(std::string message) {
  Trap trap;
  trap.error = std::move(message);
  return trap;
}

// Milliseconds until the deadline (INT64_MAX: none; 0: passed).
static int64_t millisecondsLeft(const StoreShared& shared) {
  if (shared.interrupted.load()) return 0;
  uint64_t deadline = shared.deadline.load();
  if (deadline == UINT64_MAX) return INT64_MAX;
  uint64_t now = epochClockNow();
  return deadline <= now ? 0 : static_cast<int64_t>(std::min<uint64_t>(deadline - now, INT64_MAX));
}

bool hostShouldStop(kiln_vmctx* vmctx) {
  InstanceData* inst = instanceOf(vmctx);
  return inst && inst->store->shared->mustStop();
}

WaitStatus waitForHost(kiln_vmctx* vmctx, pollfd* fds, size_t count, int64_t timeoutNs, int* error) {
  InstanceData* inst = instanceOf(vmctx);
  StoreShared* shared = inst ? inst->store->shared.get() : nullptr;
  int wake = shared ? shared->ensureWakeFd() : -1;
  std::vector<pollfd> all(fds, fds + count);
  if (wake >= 0) all.push_back(pollfd{wake, POLLIN, 0});
  const uint64_t start = epochClockNow();
  for (;;) {
    // Interrupted after the wake descriptor was made: poll would miss it.
    if (shared && shared->mustStop()) return WaitStatus::Interrupted;
    int64_t waitMs = -1;  // poll's "no limit"
    if (timeoutNs >= 0) {
      uint64_t elapsed = epochClockNow() - start;
      int64_t totalMs = (timeoutNs + 999'999) / 1'000'000;
      waitMs = static_cast<int64_t>(elapsed) >= totalMs ? 0 : totalMs - static_cast<int64_t>(elapsed);
    }
    if (shared) {
      int64_t left = millisecondsLeft(*shared);
      if (left != INT64_MAX && (waitMs < 0 || left < waitMs)) waitMs = left;
    }
    int ready = poll(all.data(), all.size(), waitMs > INT_MAX ? INT_MAX : static_cast<int>(waitMs));
    if (ready < 0) {
      if (errno == EINTR) continue;
      *error = errno;
      return WaitStatus::Error;
    }
    if (wake >= 0 && all.back().revents) return WaitStatus::Interrupted;
    if (ready > 0) {
      for (size_t i = 0; i < count; ++i) fds[i].revents = all[i].revents;
      return WaitStatus::Ready;
    }
    if (shared && shared->mustStop()) return WaitStatus::Interrupted;
    if (timeoutNs >= 0 && epochClockNow() - start >= static_cast<uint64_t>((timeoutNs + 999'999) / 1'000'000))
      return WaitStatus::TimedOut;
  }
}

}  // namespace rt

// ---- InterruptHandle --------------------------------------------------------

void InterruptHandle::interrupt() const {
  if (shared_) shared_->interrupt();
}

// ---- Store -------------------------------------------------------------------

Store::Impl::Impl(Store* ownerStore, StoreConfig storeConfig)
    : owner(ownerStore), config(std::move(storeConfig)), shared(std::make_shared<rt::StoreShared>()) {
  account.maxMemoryBytes = config.limits.maxMemoryBytes;
  account.maxTableElements = config.limits.maxTableElements;
  if (config.fuel) shared->limits.fuel = static_cast<int64_t>(std::min<uint64_t>(*config.fuel, INT64_MAX));
}

Store::Impl::~Impl() {
  for (auto& hf : hostFuncs)
    if (hf->def.finalizer) hf->def.finalizer(hf->def.data);
}

Store::Store(StoreConfig config) : impl_(std::make_unique<Impl>(this, std::move(config))) {}

Store::~Store() {
  // Instances first: their code registrations and memories go, then the
  // host objects.
  impl_->instances.clear();
}

const StoreConfig& Store::config() const { return impl_->config; }

std::optional<Trap> Store::call(const kiln_func* func, kiln_val* args) {
  if (!func || !func->code) {
    Trap trap;
    trap.code = KILN_TRAP_NULL_REFERENCE;
    return trap;
  }
  Impl& store = *impl_;
  uintptr_t threadLimit = 0;
  std::string problem;
  if (!rt::prepareThreadForWasm(&threadLimit, &problem)) return rt::callError(problem);

  // Claim the store before reading anything of it: the thread running in it
  // may be changing it (a host function that instantiates into it).
  const long self = rt::currentThreadId();
  long running = 0;
  if (!store.runningThread.compare_exchange_strong(running, self, std::memory_order_acquire) && running != self)
    return rt::callError("the store is in use on another thread (a store runs on one thread at a time)");
  auto release = [&] {
    if (store.depth == 0) store.runningThread.store(0, std::memory_order_release);
  };

  const bool ours = store.owns(func->vmctx);
  rt::InstanceData* inst = ours ? rt::instanceOf(func->vmctx) : nullptr;
  if (rt::HostFunction* hf = ours && !inst ? rt::hostFunctionOf(func) : nullptr) {
    // A host function called by the host: no guest code, nothing to protect.
    std::optional<Trap> trap;
    if (store.shared->mustStop()) {
      trap.emplace().code = KILN_TRAP_INTERRUPTED;
    } else {
      ++store.depth;
      std::string message;
      if (!rt::callHostFunction(*hf, args, &message)) {
        trap.emplace().code = KILN_TRAP_HOST;
        trap->message = std::move(message);
      }
      --store.depth;
    }
    release();
    return trap;
  }
  if (!inst || !inst->ownsFunc(func)) {
    release();
    return rt::callError("the function does not belong to this store (call it through its own store)");
  }

  rt::StoreShared& shared = *store.shared;
  if (shared.mustStop()) {
    release();
    Trap trap;
    trap.code = KILN_TRAP_INTERRUPTED;
    return trap;
  }

  // The outermost entry into the store's code on this thread sets the stack
  // limit (not merely depth 0: a host function the host called directly may
  // call back into wasm).
  const uintptr_t savedLimit = shared.entryLimit;
  const bool outermost = savedLimit == UINTPTR_MAX;
  if (outermost) {
    uintptr_t limit = threadLimit;
    if (uint64_t budget = store.config.limits.maxStackBytes) {
      auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
      if (here > budget && here - budget > limit) limit = here - budget;
    }
    shared.entryLimit = limit;  // only this thread reads it (setInterruptWord(false))
    shared.setStackLimit(limit);
  }
  ++store.depth;
  rt::RawTrap raw;
  bool returned = rt::callProtected(func, args, &raw);
  --store.depth;
  if (outermost) {
    shared.entryLimit = savedLimit;
    shared.setStackLimit(savedLimit);
  }
  release();
  if (returned) return std::nullopt;
  return rt::symbolizeTrap(raw);
}

std::optional<Extern> Store::memory(uint64_t minPages, uint64_t maxPages, std::string* error, bool explicitChecksOnly) {
  std::string problem;
  bool limit = false;
  std::unique_ptr<rt::Memory> memory =
      rt::Memory::create(minPages, maxPages, !explicitChecksOnly, &impl_->account, &problem, &limit);
  if (!memory) {
    if (error) *error = problem;
    return std::nullopt;
  }
  Extern ext;
  ext.kind = KILN_EXTERN_MEMORY;
  ext.memory = &memory->memory;
  impl_->objects.insert(ext.memory);
  impl_->memories.push_back(std::move(memory));
  return ext;
}

std::optional<Extern> Store::table(uint8_t elemType, uint64_t min, uint64_t max, std::string* error) {
  std::string problem;
  bool limit = false;
  std::unique_ptr<rt::Table> table = rt::Table::create(elemType, min, max, &impl_->account, &problem, &limit);
  if (!table) {
    if (error) *error = problem;
    return std::nullopt;
  }
  Extern ext;
  ext.kind = KILN_EXTERN_TABLE;
  ext.table = &table->table;
  impl_->objects.insert(ext.table);
  impl_->tables.push_back(std::move(table));
  return ext;
}

Extern Store::global(uint8_t type, bool isMutable, kiln_val value) {
  auto cell = std::make_unique<kiln_val>(value);
  Extern ext;
  ext.kind = KILN_EXTERN_GLOBAL;
  ext.global = cell.get();
  ext.globalType = type;
  ext.globalMutable = isMutable;
  impl_->objects.insert(ext.global);
  impl_->globals.push_back(std::move(cell));
  return ext;
}

void Store::setDeadline(std::chrono::steady_clock::time_point deadline) {
  impl_->shared->setDeadline(rt::epochClockAt(
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count()));
}

void Store::setTimeout(std::chrono::nanoseconds timeout) {
  auto now = std::chrono::steady_clock::now();
  auto latest = std::chrono::steady_clock::time_point::max();
  setDeadline(timeout > latest - now ? latest : now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout));
}

void Store::clearDeadline() { impl_->shared->setDeadline(UINT64_MAX); }

InterruptHandle Store::interruptHandle() const { return InterruptHandle(impl_->shared); }

bool Store::interrupted() const { return impl_->shared->mustStop(); }

std::optional<uint64_t> Store::fuel() const {
  if (!impl_->config.fuel) return std::nullopt;
  int64_t left = impl_->shared->limits.fuel;
  return left < 0 ? 0 : static_cast<uint64_t>(left);
}

bool Store::setFuel(uint64_t fuel) {
  if (!impl_->config.fuel) return false;
  impl_->shared->limits.fuel = static_cast<int64_t>(std::min<uint64_t>(fuel, INT64_MAX));
  return true;
}

uint64_t Store::memoryBytes() const { return impl_->account.memoryBytes; }
uint64_t Store::tableElements() const { return impl_->account.tableElements; }
size_t Store::instanceCount() const { return impl_->instances.size(); }

// ---- Instance handles -----------------------------------------------------------

Store& Instance::store() const { return *data_->store->owner; }
const kiln_module_desc* Instance::module() const { return data_->desc; }
kiln_vmctx* Instance::vmctx() { return data_->vmctx; }
std::optional<Trap> Instance::call(const kiln_func* func, kiln_val* args) { return store().call(func, args); }

}  // namespace kiln
