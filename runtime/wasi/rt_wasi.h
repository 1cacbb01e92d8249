// WASI preview 1 ("wasi_snapshot_preview1"): shared definitions for the
// host functions in this folder.
//
// Host functions have the compiled-code convention: the importing instance's
// vmctx first, then the wasm parameters (i32 -> int32_t, i64 -> int64_t).
// Every guest (pointer, length) range is checked against the caller's
// memory before the host touches it; a bad one returns EFAULT.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "kiln/kiln.h"

namespace kiln {

struct WasiState {
  std::vector<std::string> args;
  std::vector<std::string> env;
  bool stdioClosed[3] = {false, false, false};
  std::optional<int> exitCode;
};

namespace wasi {

// WASI errno values (witx `errno`).
enum Errno : int32_t {
  kSuccess = 0,
  kE2big = 1,
  kEacces = 2,
  kEagain = 6,
  kEbadf = 8,
  kEbusy = 10,
  kEexist = 20,
  kEfault = 21,
  kEfbig = 22,
  kEintr = 27,
  kEinval = 28,
  kEio = 29,
  kEisdir = 31,
  kEloop = 32,
  kEmfile = 33,
  kEnametoolong = 37,
  kEnoent = 44,
  kEnomem = 48,
  kEnospc = 51,
  kEnosys = 52,
  kEnotdir = 54,
  kEnotempty = 55,
  kEnotsup = 58,
  kEnotty = 59,
  kEoverflow = 61,
  kEperm = 63,
  kEpipe = 64,
  kErofs = 69,
  kEspipe = 70,
  kExdev = 75,
  kEnotcapable = 76,
};

// A host errno as a WASI errno (EIO for the ones WASI has no name for).
int32_t errnoFromHost(int hostErrno);

// The address under which WASI binds its state to an instance (hostEnv).
extern const char kEnvTag;

// The WASI state of the instance that vmctx belongs to. A function bound
// without it (not through wasiResolver) sees an empty state: no arguments,
// no environment, stdio open.
WasiState* stateOf(kiln_vmctx* vmctx);

// The caller's linear memory, as the host sees it.
class GuestMemory {
 public:
  explicit GuestMemory(const kiln_vmctx* vmctx)
      : base_(vmctx && vmctx->memory ? vmctx->memory->base : nullptr),
        size_(vmctx && vmctx->memory ? vmctx->memory->size : 0) {}

  // Whether [ptr, ptr + len) lies inside memory.
  bool valid(uint32_t ptr, uint64_t len) const { return uint64_t{ptr} + len <= size_; }
  uint8_t* at(uint32_t ptr) const { return base_ + ptr; }

  // Unaligned little-endian access; callers check valid() first.
  uint32_t loadU32(uint32_t ptr) const {
    uint32_t v;
    std::memcpy(&v, at(ptr), sizeof v);
    return v;
  }
  void storeU8(uint32_t ptr, uint8_t v) const { *at(ptr) = v; }
  void storeU16(uint32_t ptr, uint16_t v) const { std::memcpy(at(ptr), &v, sizeof v); }
  void storeU32(uint32_t ptr, uint32_t v) const { std::memcpy(at(ptr), &v, sizeof v); }
  void storeU64(uint32_t ptr, uint64_t v) const { std::memcpy(at(ptr), &v, sizeof v); }

 private:
  uint8_t* base_;
  uint64_t size_;
};

inline uint32_t u32(int32_t v) { return static_cast<uint32_t>(v); }

// args / environ / clocks / random / proc / sched (wasi_env.cpp)
int32_t args_get(kiln_vmctx* vmctx, int32_t argv, int32_t argvBuf);
int32_t args_sizes_get(kiln_vmctx* vmctx, int32_t argcPtr, int32_t bufSizePtr);
int32_t environ_get(kiln_vmctx* vmctx, int32_t environPtr, int32_t environBuf);
int32_t environ_sizes_get(kiln_vmctx* vmctx, int32_t countPtr, int32_t bufSizePtr);
int32_t clock_res_get(kiln_vmctx* vmctx, int32_t clockId, int32_t resultPtr);
int32_t clock_time_get(kiln_vmctx* vmctx, int32_t clockId, int64_t precision, int32_t resultPtr);
int32_t random_get(kiln_vmctx* vmctx, int32_t buf, int32_t len);
void proc_exit(kiln_vmctx* vmctx, int32_t code);
int32_t sched_yield(kiln_vmctx* vmctx);

// file descriptors (wasi_fd.cpp)
int32_t fd_write(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nwrittenPtr);
int32_t fd_read(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nreadPtr);
int32_t fd_close(kiln_vmctx* vmctx, int32_t fd);
int32_t fd_fdstat_get(kiln_vmctx* vmctx, int32_t fd, int32_t statPtr);
int32_t fd_seek(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int32_t whence, int32_t newOffsetPtr);
int32_t fd_tell(kiln_vmctx* vmctx, int32_t fd, int32_t offsetPtr);
int32_t fd_prestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t prestatPtr);
int32_t fd_prestat_dir_name(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen);

}  // namespace wasi
}  // namespace kiln
