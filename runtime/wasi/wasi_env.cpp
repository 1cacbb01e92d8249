// WASI: arguments, environment, clocks, randomness, process exit, yield.
#include <sched.h>
#include <sys/random.h>
#include <time.h>

#include <cerrno>

#include "rt_wasi.h"

namespace kiln::wasi {
namespace {

// args_sizes_get / environ_sizes_get: the count and the bytes of the
// NUL-terminated strings.
int32_t stringsSizes(kiln_vmctx* vmctx, const std::vector<std::string>& strings, int32_t countPtr,
                     int32_t bufSizePtr) {
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(countPtr), 4) || !mem.valid(u32(bufSizePtr), 4)) return kEfault;
  uint64_t bytes = 0;
  for (const std::string& s : strings) bytes += s.size() + 1;
  mem.storeU32(u32(countPtr), static_cast<uint32_t>(strings.size()));
  mem.storeU32(u32(bufSizePtr), static_cast<uint32_t>(bytes));
  return kSuccess;
}

// args_get / environ_get: an array of pointers into a buffer of
// NUL-terminated strings, both in guest memory.
int32_t stringsGet(kiln_vmctx* vmctx, const std::vector<std::string>& strings, int32_t arrayPtr, int32_t bufPtr) {
  GuestMemory mem(vmctx);
  uint64_t bytes = 0;
  for (const std::string& s : strings) bytes += s.size() + 1;
  if (!mem.valid(u32(arrayPtr), uint64_t{4} * strings.size()) || !mem.valid(u32(bufPtr), bytes)) return kEfault;
  uint32_t array = u32(arrayPtr);
  uint32_t buf = u32(bufPtr);
  for (const std::string& s : strings) {
    mem.storeU32(array, buf);
    array += 4;
    std::memcpy(mem.at(buf), s.data(), s.size());
    mem.storeU8(buf + static_cast<uint32_t>(s.size()), 0);
    buf += static_cast<uint32_t>(s.size()) + 1;
  }
  return kSuccess;
}

uint64_t nanoseconds(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

bool hostClock(int32_t id, clockid_t* clock) {
  switch (id) {
    case 0: *clock = CLOCK_REALTIME; return true;
    case 1: *clock = CLOCK_MONOTONIC; return true;
    case 2: *clock = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: *clock = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}

// Without a WASI state there are no arguments and no environment.
int32_t args_get(kiln_vmctx* vmctx, int32_t argv, int32_t argvBuf) {
  WasiState* state = stateOf(vmctx);
  if (!state) return stringsGet(vmctx, {}, argv, argvBuf);
  return stringsGet(vmctx, state->args, argv, argvBuf);
}

int32_t args_sizes_get(kiln_vmctx* vmctx, int32_t argcPtr, int32_t bufSizePtr) {
  WasiState* state = stateOf(vmctx);
  if (!state) return stringsSizes(vmctx, {}, argcPtr, bufSizePtr);
  return stringsSizes(vmctx, state->args, argcPtr, bufSizePtr);
}

int32_t environ_get(kiln_vmctx* vmctx, int32_t environPtr, int32_t environBuf) {
  WasiState* state = stateOf(vmctx);
  if (!state) return stringsGet(vmctx, {}, environPtr, environBuf);
  return stringsGet(vmctx, state->env, environPtr, environBuf);
}

int32_t environ_sizes_get(kiln_vmctx* vmctx, int32_t countPtr, int32_t bufSizePtr) {
  WasiState* state = stateOf(vmctx);
  if (!state) return stringsSizes(vmctx, {}, countPtr, bufSizePtr);
  return stringsSizes(vmctx, state->env, countPtr, bufSizePtr);
}

int32_t clock_res_get(kiln_vmctx* vmctx, int32_t clockId, int32_t resultPtr) {
  clockid_t clock;
  if (!hostClock(clockId, &clock)) return kEinval;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(resultPtr), 8)) return kEfault;
  timespec ts{};
  if (clock_getres(clock, &ts) != 0) return errnoFromHost(errno);
  mem.storeU64(u32(resultPtr), nanoseconds(ts));
  return kSuccess;
}

int32_t clock_time_get(kiln_vmctx* vmctx, int32_t clockId, int64_t precision, int32_t resultPtr) {
  (void)precision;
  clockid_t clock;
  if (!hostClock(clockId, &clock)) return kEinval;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(resultPtr), 8)) return kEfault;
  timespec ts{};
  if (clock_gettime(clock, &ts) != 0) return errnoFromHost(errno);
  mem.storeU64(u32(resultPtr), nanoseconds(ts));
  return kSuccess;
}

int32_t random_get(kiln_vmctx* vmctx, int32_t buf, int32_t len) {
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(buf), u32(len))) return kEfault;
  uint8_t* out = mem.at(u32(buf));
  size_t left = u32(len);
  while (left > 0) {
    ssize_t n = getrandom(out, left < (1u << 25) ? left : (1u << 25), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoFromHost(errno);
    }
    out += n;
    left -= static_cast<size_t>(n);
  }
  return kSuccess;
}

void proc_exit(kiln_vmctx* vmctx, int32_t code) {
  if (WasiState* state = stateOf(vmctx)) state->exitCode = code;
  // Unwind the guest like a trap; Instance::call reports the exit status.
  exitGuest(code);
}

int32_t proc_raise(kiln_vmctx* vmctx, int32_t signal) {
  // As wasmtime: signals are not part of the sandbox's world.
  (void)vmctx;
  (void)signal;
  return kEnosys;
}

int32_t sched_yield(kiln_vmctx* vmctx) {
  (void)vmctx;
  ::sched_yield();
  return kSuccess;
}

}  // namespace kiln::wasi
