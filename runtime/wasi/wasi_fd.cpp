// WASI: the fd_* functions. Each looks the descriptor up (EBADF), checks its
// rights (EBADF too, as in Wasmtime), checks every guest range (EFAULT), then
// works on the descriptor's I/O core object: a Stream, an ArrayCursor over a
// file, or a directory. fd_read and fd_write on a stream wait through a
// StoreWaiter, so an interrupt or the store's deadline ends them (rt_wasi.h).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>

#include "rt_wasi.h"
#include "wasi_path.h"

namespace kiln::wasi {
namespace {

constexpr uint64_t kMaxOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
// One call moves at most this much, so the count fits the guest's u32.
constexpr uint64_t kMaxTransfer = 0x7fffffffu;

// Trims the buffers so that together they hold at most kMaxTransfer bytes.
void clampTotal(std::vector<std::span<uint8_t>>& iovs) {
  uint64_t total = 0;
  for (size_t i = 0; i < iovs.size(); ++i) {
    if (total + iovs[i].size() > kMaxTransfer) {
      iovs[i] = iovs[i].first(static_cast<size_t>(kMaxTransfer - total));
      iovs.resize(i + 1);
      return;
    }
    total += iovs[i].size();
  }
}

std::vector<std::span<const uint8_t>> constSpans(const std::vector<std::span<uint8_t>>& iovs) {
  return {iovs.begin(), iovs.end()};
}

// For stdio with O_NONBLOCK asked for by the guest (emulated: the host
// descriptor's flags are shared with other processes): whether an
// operation would block now.
bool wouldBlock(const Descriptor& d, short events) {
  if (!(d.fdflags & kFdflagNonblock) || !d.sharedHostFd || d.hostFd < 0) return false;
  int flags = ::fcntl(d.hostFd, F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK)) return false;  // the host says so itself
  pollfd p{d.hostFd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n == 0;
}

// After a write to a file the guest opened with dsync/sync: make it durable.
int32_t syncAfterWrite(const Descriptor& d) {
  if (d.hostFd < 0) return kSuccess;
  int r = 0;
  if (d.fdflags & kFdflagSync)
    r = ::fsync(d.hostFd);
  else if (d.fdflags & kFdflagDsync)
    r = ::fdatasync(d.hostFd);
  return r == 0 ? kSuccess : errnoFromHost(errno);
}

// Writes every byte (streams and files both may take less per call).
io::IoResult writeAll(io::Stream& stream, std::vector<std::span<const uint8_t>> buffers, io::Waiter* waiter) {
  uint64_t total = 0;
  size_t first = 0;
  for (;;) {
    while (first < buffers.size() && buffers[first].empty()) ++first;
    if (first == buffers.size()) return {total, 0};
    io::IoResult r = stream.writeVector(std::span(buffers).subspan(first), waiter);
    if (!r.ok()) return total > 0 && !r.interrupted() ? io::IoResult{total, 0} : r;
    if (r.value == 0) return {total, 0};
    total += r.value;
    uint64_t done = r.value;
    while (first < buffers.size() && done >= buffers[first].size()) {
      done -= buffers[first].size();
      ++first;
    }
    if (first < buffers.size()) buffers[first] = buffers[first].subspan(static_cast<size_t>(done));
  }
}

int32_t fdWrite(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nwrittenPtr) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdWrite, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(nwrittenPtr), 4)) return kEfault;
  auto buffers = guestIovs(mem, u32(iovs), u32(iovsLen));
  if (!buffers) return kEfault;
  clampTotal(*buffers);
  io::IoResult r;
  StoreWaiter waiter(vmctx);
  switch (d->kind) {
    case Descriptor::Kind::Directory: return kEisdir;
    case Descriptor::Kind::Stream:
      if (wouldBlock(*d, POLLOUT)) return kEagain;
      // A guest that asked not to block gets what one host call moves.
      r = (d->fdflags & kFdflagNonblock) ? d->stream->writeVector(constSpans(*buffers))
                                         : writeAll(*d->stream, constSpans(*buffers), &waiter);
      break;
    case Descriptor::Kind::File:
      r = writeAll(*d->file, constSpans(*buffers), nullptr);
      if (r.ok() && r.value > 0)
        if (int32_t e = syncAfterWrite(*d)) return e;
      break;
  }
  if (r.interrupted()) return kInterruptedCall;
  if (!r.ok()) return errnoFromHost(r.error);
  mem.storeU32(u32(nwrittenPtr), static_cast<uint32_t>(r.value));
  return kSuccess;
}

int32_t fdRead(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nreadPtr) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdRead, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(nreadPtr), 4)) return kEfault;
  auto buffers = guestIovs(mem, u32(iovs), u32(iovsLen));
  if (!buffers) return kEfault;
  clampTotal(*buffers);
  io::IoResult r;
  StoreWaiter waiter(vmctx);
  switch (d->kind) {
    case Descriptor::Kind::Directory: return kEisdir;
    case Descriptor::Kind::Stream:
      if (wouldBlock(*d, POLLIN)) return kEagain;
      r = d->stream->readVector(*buffers, (d->fdflags & kFdflagNonblock) ? nullptr : &waiter);
      break;
    case Descriptor::Kind::File: r = d->file->readVector(*buffers); break;
  }
  if (r.interrupted()) return kInterruptedCall;
  if (!r.ok()) return errnoFromHost(r.error);
  mem.storeU32(u32(nreadPtr), static_cast<uint32_t>(r.value));
  return kSuccess;
}

}  // namespace

// The two that may wait, as thin wrappers (rt_wasi.h): the bodies above
// have released their buffers when an interrupt ends the call here.
int32_t fd_write(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nwrittenPtr) {
  return endIfInterrupted(vmctx, fdWrite(vmctx, fd, iovs, iovsLen, nwrittenPtr), kEintr);
}

int32_t fd_read(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nreadPtr) {
  return endIfInterrupted(vmctx, fdRead(vmctx, fd, iovs, iovsLen, nreadPtr), kEintr);
}

int32_t fd_pread(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int64_t offset, int32_t nreadPtr) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  if (d->kind == Descriptor::Kind::Stream) return kEspipe;
  if (d->kind == Descriptor::Kind::Directory) return kEisdir;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdRead | kRightFdSeek, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(nreadPtr), 4)) return kEfault;
  auto buffers = guestIovs(mem, u32(iovs), u32(iovsLen));
  if (!buffers) return kEfault;
  if (offset < 0) return kEinval;
  clampTotal(*buffers);
  uint64_t total = 0;
  for (std::span<uint8_t> buffer : *buffers) {
    if (buffer.empty()) continue;
    io::IoResult r = d->file->array().readAt(buffer, static_cast<uint64_t>(offset) + total);
    if (!r.ok()) {
      if (total == 0) return errnoFromHost(r.error);
      break;
    }
    total += r.value;
    if (r.value < buffer.size()) break;
  }
  mem.storeU32(u32(nreadPtr), static_cast<uint32_t>(total));
  return kSuccess;
}

int32_t fd_pwrite(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int64_t offset,
                  int32_t nwrittenPtr) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  if (d->kind == Descriptor::Kind::Stream) return kEspipe;
  if (d->kind == Descriptor::Kind::Directory) return kEisdir;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdWrite | kRightFdSeek, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(nwrittenPtr), 4)) return kEfault;
  auto buffers = guestIovs(mem, u32(iovs), u32(iovsLen));
  if (!buffers) return kEfault;
  if (offset < 0) return kEinval;
  clampTotal(*buffers);
  // At the offset, as POSIX says, even with the append flag (Linux would
  // append); the file position does not move.
  uint64_t total = 0;
  for (std::span<uint8_t> buffer : *buffers) {
    size_t done = 0;
    while (done < buffer.size()) {
      io::IoResult r = d->file->array().writeAt(buffer.subspan(done), static_cast<uint64_t>(offset) + total);
      if (!r.ok()) {
        if (total == 0) return errnoFromHost(r.error);
        mem.storeU32(u32(nwrittenPtr), static_cast<uint32_t>(total));
        return kSuccess;
      }
      done += static_cast<size_t>(r.value);
      total += r.value;
    }
  }
  if (total > 0)
    if (int32_t e = syncAfterWrite(*d)) return e;
  mem.storeU32(u32(nwrittenPtr), static_cast<uint32_t>(total));
  return kSuccess;
}

int32_t fd_close(kiln_vmctx* vmctx, int32_t fd) {
  // Closing drops the guest's descriptor; the I/O object closes the host
  // descriptor if it owns it (stdio's belong to the embedding process).
  WasiState* state = stateOf(vmctx);
  return state && state->fds.erase(fd) ? kSuccess : kEbadf;
}

int32_t fd_fdstat_get(kiln_vmctx* vmctx, int32_t fd, int32_t statPtr) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, 0, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(statPtr), 24)) return kEfault;
  refreshSharedStdio(*d);
  uint32_t p = u32(statPtr);
  std::memset(mem.at(p), 0, 24);
  mem.storeU8(p, d->filetype);
  mem.storeU16(p + 2, d->fdflags);
  mem.storeU64(p + 8, d->rightsBase);
  mem.storeU64(p + 16, d->rightsInheriting);
  return kSuccess;
}

int32_t fd_fdstat_set_flags(kiln_vmctx* vmctx, int32_t fd, int32_t flags) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdFdstatSetFlags, &d)) return e;
  if (u32(flags) & ~uint32_t{kFdflagsAll}) return kEinval;
  const auto wanted = static_cast<uint16_t>(flags);
  // A descriptor kiln owns gets O_NONBLOCK for real; a shared one (stdio)
  // has it emulated (see wouldBlock), never set on the host.
  if (!d->sharedHostFd && d->hostFd >= 0 && d->kind != Descriptor::Kind::Directory) {
    int host = ::fcntl(d->hostFd, F_GETFL);
    if (host < 0) return errnoFromHost(errno);
    int updated = (wanted & kFdflagNonblock) ? (host | O_NONBLOCK) : (host & ~O_NONBLOCK);
    if (updated != host && ::fcntl(d->hostFd, F_SETFL, updated) != 0) return errnoFromHost(errno);
  }
  if (d->kind == Descriptor::Kind::File) d->file->setAppend(wanted & kFdflagAppend);
  d->fdflags = wanted;
  return kSuccess;
}

int32_t fd_fdstat_set_rights(kiln_vmctx* vmctx, int32_t fd, int64_t base, int64_t inheriting) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, 0, &d)) return e;
  const auto newBase = static_cast<uint64_t>(base);
  const auto newInheriting = static_cast<uint64_t>(inheriting);
  // Rights only ever shrink: asking for more stays ENOTCAPABLE, the one
  // value the wasi-testsuite accepts (fd_fdstat_set_rights).
  if ((newBase & ~d->rightsBase) || (newInheriting & ~d->rightsInheriting)) return kEnotcapable;
  d->rightsBase = newBase;
  d->rightsLimit = newBase;
  d->rightsInheriting = newInheriting;
  return kSuccess;
}

int32_t fd_filestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t statPtr) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdFilestatGet, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(statPtr), 64)) return kEfault;
  refreshSharedStdio(*d);
  struct stat st;
  if (::fstat(d->hostFd, &st) != 0) return errnoFromHost(errno);
  storeFilestat(mem, u32(statPtr), st);
  // A descriptor's own file type (a datagram socket is not told apart by stat).
  mem.storeU8(u32(statPtr) + 16, d->filetype);
  return kSuccess;
}

int32_t fd_filestat_set_size(kiln_vmctx* vmctx, int32_t fd, int64_t size) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdFilestatSetSize, &d)) return e;
  if (d->kind == Descriptor::Kind::Directory) return kEisdir;
  if (d->kind != Descriptor::Kind::File) return kEinval;
  if (size < 0) return kEinval;
  io::IoResult r = d->file->array().setLength(static_cast<uint64_t>(size));
  return r.ok() ? kSuccess : errnoFromHost(r.error);
}

// The two timespecs of utimensat/futimens from WASI's fstflags.
int32_t timesFromFlags(int64_t atim, int64_t mtim, int32_t fstFlags, timespec times[2]) {
  constexpr uint32_t kAtim = 1, kAtimNow = 2, kMtim = 4, kMtimNow = 8;
  const uint32_t flags = u32(fstFlags);
  if (flags & ~0xfu) return kEinval;
  if ((flags & kAtim) && (flags & kAtimNow)) return kEinval;
  if ((flags & kMtim) && (flags & kMtimNow)) return kEinval;
  auto set = [](timespec& ts, int64_t ns, bool given, bool now) {
    if (now) {
      ts = {0, UTIME_NOW};
    } else if (given) {
      const auto u = static_cast<uint64_t>(ns);
      ts.tv_sec = static_cast<time_t>(u / 1'000'000'000u);
      ts.tv_nsec = static_cast<long>(u % 1'000'000'000u);
    } else {
      ts = {0, UTIME_OMIT};
    }
  };
  set(times[0], atim, flags & kAtim, flags & kAtimNow);
  set(times[1], mtim, flags & kMtim, flags & kMtimNow);
  return kSuccess;
}

int32_t fd_filestat_set_times(kiln_vmctx* vmctx, int32_t fd, int64_t atim, int64_t mtim, int32_t fstFlags) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdFilestatSetTimes, &d)) return e;
  timespec times[2];
  if (int32_t e = timesFromFlags(atim, mtim, fstFlags, times)) return e;
  if (::futimens(d->hostFd, times) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t fd_advise(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int64_t len, int32_t advice) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdAdvise, &d)) return e;
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  if (u32(advice) >= std::size(kAdvice)) return kEinval;
  if (offset < 0 || len < 0) return kEinval;
  if (d->kind == Descriptor::Kind::Stream) return kEspipe;
  if (d->kind == Descriptor::Kind::Directory) return kEbadf;
  int r = ::posix_fadvise(d->hostFd, static_cast<off_t>(offset), static_cast<off_t>(len), kAdvice[advice]);
  return r == 0 ? kSuccess : errnoFromHost(r);
}

int32_t fd_allocate(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int64_t len) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdAllocate, &d)) return e;
  if (d->kind == Descriptor::Kind::Stream) return kEspipe;
  if (d->kind == Descriptor::Kind::Directory) return kEisdir;
  if (offset < 0 || len <= 0) return kEinval;
  if (static_cast<uint64_t>(len) > kMaxOffset - static_cast<uint64_t>(offset)) return kEfbig;
  int r;
  do {
    r = ::posix_fallocate(d->hostFd, static_cast<off_t>(offset), static_cast<off_t>(len));
  } while (r == EINTR);
  return r == 0 ? kSuccess : errnoFromHost(r);
}

int32_t fd_datasync(kiln_vmctx* vmctx, int32_t fd) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdDatasync, &d)) return e;
  int r;
  do {
    r = ::fdatasync(d->hostFd);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? kSuccess : errnoFromHost(errno);
}

int32_t fd_sync(kiln_vmctx* vmctx, int32_t fd) {
  Descriptor* d;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdSync, &d)) return e;
  int r;
  do {
    r = ::fsync(d->hostFd);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? kSuccess : errnoFromHost(errno);
}

int32_t fd_seek(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int32_t whence, int32_t newOffsetPtr) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  refreshSharedStdio(*d);
  // A pipe or terminal cannot seek: ESPIPE, as POSIX says, rather than a
  // missing right.
  if (d->kind == Descriptor::Kind::Stream && !(d->rightsBase & kRightFdSeek)) return kEspipe;
  // Asking for the position only needs fd_tell.
  const uint64_t needed = (offset == 0 && whence == 1) ? kRightFdTell : kRightFdSeek;
  if (int32_t e = lookupFd(vmctx, fd, needed, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(newOffsetPtr), 8)) return kEfault;
  if (whence < 0 || whence > 2) return kEinval;
  uint64_t result;
  if (d->kind == Descriptor::Kind::File) {
    int64_t base = 0;
    if (whence == 1) {
      base = static_cast<int64_t>(d->file->position());
    } else if (whence == 2) {
      io::IoResult length = d->file->array().length();
      if (!length.ok()) return errnoFromHost(length.error);
      base = static_cast<int64_t>(length.value);
    }
    int64_t target;
    if (__builtin_add_overflow(base, offset, &target) || target < 0) return kEinval;
    d->file->setPosition(static_cast<uint64_t>(target));
    result = static_cast<uint64_t>(target);
  } else if (d->kind == Descriptor::Kind::Stream) {
    static constexpr int kWhence[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    off_t r = ::lseek(d->hostFd, static_cast<off_t>(offset), kWhence[whence]);
    if (r < 0) return errnoFromHost(errno);
    result = static_cast<uint64_t>(r);
  } else {
    return kEisdir;
  }
  mem.storeU64(u32(newOffsetPtr), result);
  return kSuccess;
}

int32_t fd_tell(kiln_vmctx* vmctx, int32_t fd, int32_t offsetPtr) { return fd_seek(vmctx, fd, 0, 1, offsetPtr); }

int32_t fd_prestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t prestatPtr) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d || !d->preopenName) return kEbadf;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(prestatPtr), 8)) return kEfault;
  uint32_t p = u32(prestatPtr);
  std::memset(mem.at(p), 0, 8);
  mem.storeU8(p, 0);  // preopentype::dir
  mem.storeU32(p + 4, static_cast<uint32_t>(d->preopenName->size()));
  return kSuccess;
}

int32_t fd_prestat_dir_name(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d || !d->preopenName) return kEbadf;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(path), u32(pathLen))) return kEfault;
  const std::string& name = *d->preopenName;
  if (u32(pathLen) < name.size()) return kEnametoolong;
  std::memcpy(mem.at(u32(path)), name.data(), name.size());
  return kSuccess;
}

int32_t fd_readdir(kiln_vmctx* vmctx, int32_t fd, int32_t buf, int32_t bufLen, int64_t cookie, int32_t bufusedPtr) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  // Not a directory: EBADF, as Wasmtime says (POSIX's getdents says ENOTDIR).
  if (d->kind != Descriptor::Kind::Directory) return kEbadf;
  if (int32_t e = lookupFd(vmctx, fd, kRightFdReaddir, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(buf), u32(bufLen)) || !mem.valid(u32(bufusedPtr), 4)) return kEfault;
  Directory& dir = *d->directory;
  // Cookie 0 starts over and sees the directory as it is now; later cookies
  // index the listing taken then.
  if (cookie == 0 || !dir.snapshot) {
    std::vector<DirEntry> entries;
    if (int32_t e = listDirectory(dir.fd, &entries)) return e;
    dir.snapshot = std::move(entries);
  }
  size_t used = encodeDirents(*dir.snapshot, static_cast<uint64_t>(cookie),
                              std::span<uint8_t>(mem.at(u32(buf)), u32(bufLen)));
  mem.storeU32(u32(bufusedPtr), static_cast<uint32_t>(used));
  return kSuccess;
}

int32_t fd_renumber(kiln_vmctx* vmctx, int32_t from, int32_t to) {
  WasiState* state = stateOf(vmctx);
  return state && state->fds.renumber(from, to) ? kSuccess : kEbadf;
}

}  // namespace kiln::wasi
