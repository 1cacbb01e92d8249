// WASI: file descriptors. For now only the standard streams 0-2 exist
// (there are no preopened directories yet); they map to the host's fds 0-2
// and are written and read directly with writev/readv.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "rt_wasi.h"

namespace kiln::wasi {
namespace {

// witx filetype, fdflags and rights bits used here.
constexpr uint8_t kFiletypeUnknown = 0;
constexpr uint8_t kFiletypeBlockDevice = 1;
constexpr uint8_t kFiletypeCharacterDevice = 2;
constexpr uint8_t kFiletypeDirectory = 3;
constexpr uint8_t kFiletypeRegularFile = 4;
constexpr uint8_t kFiletypeSocketStream = 6;
constexpr uint8_t kFiletypeSymbolicLink = 7;

constexpr uint16_t kFdflagAppend = 1 << 0;
constexpr uint16_t kFdflagDsync = 1 << 1;
constexpr uint16_t kFdflagNonblock = 1 << 2;
constexpr uint16_t kFdflagSync = 1 << 4;

constexpr uint64_t kRightFdDatasync = 1ull << 0;
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdSeek = 1ull << 2;
constexpr uint64_t kRightFdSync = 1ull << 4;
constexpr uint64_t kRightFdTell = 1ull << 5;
constexpr uint64_t kRightFdWrite = 1ull << 6;
constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;

constexpr uint32_t kMaxIovsPerCall = 1024;  // IOV_MAX

// The host fd for a guest fd, or -1 (EBADF).
int hostFd(kiln_vmctx* vmctx, int32_t fd) {
  WasiState* state = stateOf(vmctx);
  if (fd < 0 || fd > 2 || state->stdioClosed[fd]) return -1;
  return fd;
}

// Checks a guest iovec array (each {u32 buf, u32 len}) and every buffer in
// it, before any I/O happens.
bool validIovs(const GuestMemory& mem, uint32_t iovs, uint32_t count) {
  if (!mem.valid(iovs, uint64_t{8} * count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = mem.loadU32(iovs + 8 * i);
    uint32_t len = mem.loadU32(iovs + 8 * i + 4);
    if (!mem.valid(buf, len)) return false;
  }
  return true;
}

// Host iovecs for guest iovecs [first, first + count) (count <= kMaxIovsPerCall).
uint32_t hostIovs(const GuestMemory& mem, uint32_t iovs, uint32_t first, uint32_t count, iovec* out) {
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t entry = iovs + 8 * (first + i);
    out[i].iov_base = mem.at(mem.loadU32(entry));
    out[i].iov_len = mem.loadU32(entry + 4);
  }
  return count;
}

// Writes every byte of vec[0, count), retrying after EINTR and partial
// writes. Adds the bytes written to *total; returns 0 or the host errno.
int writeAll(int fd, iovec* vec, uint32_t count, uint64_t* total) {
  while (count > 0) {
    if (vec->iov_len == 0) {
      ++vec;
      --count;
      continue;
    }
    ssize_t n = writev(fd, vec, static_cast<int>(count));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    *total += static_cast<uint64_t>(n);
    auto done = static_cast<size_t>(n);
    while (count > 0 && done >= vec->iov_len) {
      done -= vec->iov_len;
      ++vec;
      --count;
    }
    if (count > 0) {
      vec->iov_base = static_cast<uint8_t*>(vec->iov_base) + done;
      vec->iov_len -= done;
    }
  }
  return 0;
}

}  // namespace

int32_t fd_write(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nwrittenPtr) {
  int host = hostFd(vmctx, fd);
  if (host < 0) return kEbadf;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(nwrittenPtr), 4) || !validIovs(mem, u32(iovs), u32(iovsLen))) return kEfault;
  uint64_t total = 0;
  iovec vec[kMaxIovsPerCall];
  for (uint32_t first = 0; first < u32(iovsLen); first += kMaxIovsPerCall) {
    uint32_t count = u32(iovsLen) - first < kMaxIovsPerCall ? u32(iovsLen) - first : kMaxIovsPerCall;
    hostIovs(mem, u32(iovs), first, count, vec);
    if (int error = writeAll(host, vec, count, &total)) {
      // An error after some bytes went out reports those bytes; the next
      // call will see the error.
      if (total == 0) return errnoFromHost(error);
      break;
    }
  }
  mem.storeU32(u32(nwrittenPtr), static_cast<uint32_t>(total));
  return kSuccess;
}

int32_t fd_read(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nreadPtr) {
  int host = hostFd(vmctx, fd);
  if (host < 0) return kEbadf;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(nreadPtr), 4) || !validIovs(mem, u32(iovs), u32(iovsLen))) return kEfault;
  // One read (a short read is normal), into at most IOV_MAX buffers.
  iovec vec[kMaxIovsPerCall];
  uint32_t count = u32(iovsLen) < kMaxIovsPerCall ? u32(iovsLen) : kMaxIovsPerCall;
  hostIovs(mem, u32(iovs), 0, count, vec);
  ssize_t n;
  do {
    n = readv(host, vec, static_cast<int>(count));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errnoFromHost(errno);
  mem.storeU32(u32(nreadPtr), static_cast<uint32_t>(n));
  return kSuccess;
}

int32_t fd_close(kiln_vmctx* vmctx, int32_t fd) {
  if (hostFd(vmctx, fd) < 0) return kEbadf;
  // The host's stdio stays open (it belongs to the embedding process); the
  // guest just loses the descriptor.
  stateOf(vmctx)->stdioClosed[fd] = true;
  return kSuccess;
}

int32_t fd_fdstat_get(kiln_vmctx* vmctx, int32_t fd, int32_t statPtr) {
  int host = hostFd(vmctx, fd);
  if (host < 0) return kEbadf;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(statPtr), 24)) return kEfault;
  struct stat st {};
  if (fstat(host, &st) != 0) return errnoFromHost(errno);
  int flags = fcntl(host, F_GETFL);
  if (flags < 0) return errnoFromHost(errno);

  uint8_t filetype = kFiletypeUnknown;  // pipes (FIFOs) have no WASI filetype
  if (S_ISCHR(st.st_mode)) filetype = kFiletypeCharacterDevice;
  else if (S_ISREG(st.st_mode)) filetype = kFiletypeRegularFile;
  else if (S_ISDIR(st.st_mode)) filetype = kFiletypeDirectory;
  else if (S_ISBLK(st.st_mode)) filetype = kFiletypeBlockDevice;
  else if (S_ISSOCK(st.st_mode)) filetype = kFiletypeSocketStream;
  else if (S_ISLNK(st.st_mode)) filetype = kFiletypeSymbolicLink;

  uint16_t fdflags = 0;
  if (flags & O_APPEND) fdflags |= kFdflagAppend;
  if (flags & O_DSYNC) fdflags |= kFdflagDsync;
  if (flags & O_NONBLOCK) fdflags |= kFdflagNonblock;
  if ((flags & O_SYNC) == O_SYNC) fdflags |= kFdflagSync;

  uint64_t rights = kRightFdFilestatGet | kRightPollFdReadwrite;
  int mode = flags & O_ACCMODE;
  if (mode == O_RDONLY || mode == O_RDWR) rights |= kRightFdRead;
  if (mode == O_WRONLY || mode == O_RDWR) rights |= kRightFdWrite | kRightFdDatasync | kRightFdSync;
  // Only seekable files get seek/tell: wasi-libc's isatty() wants a
  // character device without them.
  if (lseek(host, 0, SEEK_CUR) >= 0) rights |= kRightFdSeek | kRightFdTell;

  uint32_t p = u32(statPtr);
  std::memset(mem.at(p), 0, 24);
  mem.storeU8(p, filetype);
  mem.storeU16(p + 2, fdflags);
  mem.storeU64(p + 8, rights);
  mem.storeU64(p + 16, 0);  // inheriting rights: stdio opens nothing
  return kSuccess;
}

int32_t fd_seek(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int32_t whence, int32_t newOffsetPtr) {
  int host = hostFd(vmctx, fd);
  if (host < 0) return kEbadf;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(newOffsetPtr), 8)) return kEfault;
  int hostWhence;
  switch (whence) {
    case 0: hostWhence = SEEK_SET; break;
    case 1: hostWhence = SEEK_CUR; break;
    case 2: hostWhence = SEEK_END; break;
    default: return kEinval;
  }
  off_t result = lseek(host, static_cast<off_t>(offset), hostWhence);
  if (result < 0) return errnoFromHost(errno);  // ESPIPE for pipes and terminals
  mem.storeU64(u32(newOffsetPtr), static_cast<uint64_t>(result));
  return kSuccess;
}

int32_t fd_tell(kiln_vmctx* vmctx, int32_t fd, int32_t offsetPtr) { return fd_seek(vmctx, fd, 0, 1, offsetPtr); }

int32_t fd_prestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t prestatPtr) {
  (void)vmctx;
  (void)fd;
  (void)prestatPtr;
  return kEbadf;  // no preopened directories
}

int32_t fd_prestat_dir_name(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen) {
  (void)vmctx;
  (void)fd;
  (void)path;
  (void)pathLen;
  return kEbadf;
}

}  // namespace kiln::wasi
