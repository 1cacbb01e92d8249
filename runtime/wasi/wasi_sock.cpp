// WASI: sock_accept, sock_recv, sock_send, sock_shutdown. Preview 1 cannot
// create sockets; a guest meets one only as an inherited descriptor (stdio
// connected to a socket, as under inetd or systemd socket activation). On
// anything else these return ENOTSOCK.
//
// accept, recv and send never block in the host call: they wait first (or
// on EAGAIN) through rt::waitForHost, which the store's interrupts and
// deadline end; the guest then traps (rt_wasi.h). A guest that asked for
// O_NONBLOCK gets EAGAIN instead, as before.
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "rt_store.h"
#include "rt_wasi.h"

namespace kiln::wasi {
namespace {

// The socket behind `fd`: EBADF when not open, ENOTSOCK when not a socket,
// then EBADF when a right is missing (lookupFd).
int32_t lookupSocket(kiln_vmctx* vmctx, int32_t fd, uint64_t rights, Descriptor** out) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  if (d->kind != Descriptor::Kind::Stream || d->hostFd < 0 ||
      (d->filetype != kFiletypeSocketStream && d->filetype != kFiletypeSocketDgram))
    return kEnotsock;
  return lookupFd(vmctx, fd, rights, out);
}

std::vector<iovec> hostIovecs(const std::vector<std::span<uint8_t>>& buffers) {
  std::vector<iovec> v;
  v.reserve(buffers.size());
  for (std::span<uint8_t> b : buffers) v.push_back({b.data(), b.size()});
  if (v.size() > 1024) v.resize(1024);  // IOV_MAX
  return v;
}

// Drops the first `bytes` bytes of an iovec array (after a partial
// transfer); empty entries at the front go too.
void advance(std::vector<iovec>& vec, size_t bytes) {
  size_t i = 0;
  while (i < vec.size() && bytes >= vec[i].iov_len) bytes -= vec[i++].iov_len;
  vec.erase(vec.begin(), vec.begin() + static_cast<std::ptrdiff_t>(i));
  if (!vec.empty()) {
    vec[0].iov_base = static_cast<uint8_t*>(vec[0].iov_base) + bytes;
    vec[0].iov_len -= bytes;
  }
}

// Whether a blocking call on d would wait for the peer: the guest did not
// ask for O_NONBLOCK (emulated on shared stdio, real on Kiln's own).
bool mayWait(const Descriptor& d) { return !(d.fdflags & kFdflagNonblock); }

// Waits until the socket is ready for `events`. Returns kSuccess, or
// kInterruptedCall, or a WASI errno.
int32_t waitSocket(kiln_vmctx* vmctx, int fd, short events, int64_t timeoutNs = -1) {
  pollfd p{fd, events, 0};
  int error = 0;
  switch (rt::waitForHost(vmctx, &p, 1, timeoutNs, &error)) {
    case rt::WaitStatus::Ready:
    case rt::WaitStatus::TimedOut: return kSuccess;
    case rt::WaitStatus::Interrupted: return kInterruptedCall;
    case rt::WaitStatus::Error: return errnoFromHost(error);
  }
  return kSuccess;
}

int32_t sockAccept(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t resultFdPtr) {
  Descriptor* d;
  if (int32_t e = lookupSocket(vmctx, fd, kRightSockAccept, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(resultFdPtr), 4)) return kEfault;
  if (u32(flags) & ~uint32_t{kFdflagNonblock}) return kEinval;
  // accept4 has no per-call O_NONBLOCK: look for a connection first (and
  // wait for one, unless the guest asked not to). A process sharing the
  // listening socket may take it in between; then accept4 blocks, which
  // only such sharing can cause.
  int hostFd = -1;
  while (hostFd < 0) {
    if (mayWait(*d)) {
      if (int32_t e = waitSocket(vmctx, d->hostFd, POLLIN)) return e;
    } else {
      pollfd p{d->hostFd, POLLIN, 0};
      if (::poll(&p, 1, 0) == 0) return kEagain;
    }
    hostFd = ::accept4(d->hostFd, nullptr, nullptr, SOCK_CLOEXEC | ((flags & kFdflagNonblock) ? SOCK_NONBLOCK : 0));
    if (hostFd >= 0 || errno == EINTR) continue;
    if (mayWait(*d) && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;  // taken by someone else
    return errnoFromHost(errno);
  }
  Descriptor conn;
  conn.kind = Descriptor::Kind::Stream;
  conn.filetype = kFiletypeSocketStream;
  conn.stream = io::fdStream(hostFd, true);
  conn.hostFd = hostFd;
  conn.fdflags = static_cast<uint16_t>(flags);
  conn.rightsBase = kRightFdRead | kRightFdWrite | kRightFdFdstatSetFlags | kRightFdFilestatGet |
                    kRightPollFdReadwrite | kRightSockShutdown;
  std::optional<uint32_t> number = stateOf(vmctx)->fds.insert(std::move(conn));
  if (!number) return kEmfile;
  mem.storeU32(u32(resultFdPtr), *number);
  return kSuccess;
}

int32_t sockRecv(kiln_vmctx* vmctx, int32_t fd, int32_t riData, int32_t riDataLen, int32_t riFlags,
                 int32_t roDatalenPtr, int32_t roFlagsPtr) {
  Descriptor* d;
  if (int32_t e = lookupSocket(vmctx, fd, kRightFdRead, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(roDatalenPtr), 4) || !mem.valid(u32(roFlagsPtr), 2)) return kEfault;
  auto buffers = guestIovs(mem, u32(riData), u32(riDataLen));
  if (!buffers) return kEfault;
  constexpr uint32_t kRecvPeek = 1, kRecvWaitall = 2;
  if (u32(riFlags) & ~(kRecvPeek | kRecvWaitall)) return kEinval;
  std::vector<iovec> vec = hostIovecs(*buffers);
  size_t wanted = 0;
  for (const iovec& v : vec) wanted += v.iov_len;
  const bool peek = riFlags & kRecvPeek;
  // As the kernel's MSG_WAITALL: only a stream has more to wait for.
  const bool waitAll = (riFlags & kRecvWaitall) && d->filetype == kFiletypeSocketStream;
  // Every call is MSG_DONTWAIT; a blocking one waits in between. MSG_WAITALL
  // is done here, one recvmsg at a time, so that the waits stay
  // interruptible.
  const int hostFlags = MSG_DONTWAIT | (peek ? MSG_PEEK : 0);
  size_t total = 0;
  bool truncated = false;
  for (;;) {
    msghdr msg{};
    msg.msg_iov = vec.data();
    msg.msg_iovlen = vec.size();
    ssize_t n = ::recvmsg(d->hostFd, &msg, hostFlags);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (mayWait(*d) && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (int32_t e = waitSocket(vmctx, d->hostFd, POLLIN)) return e;
        continue;
      }
      if (total > 0) break;  // the next call reports the error
      return errnoFromHost(errno);
    }
    truncated = truncated || (msg.msg_flags & MSG_TRUNC);
    if (peek) {
      // Peeking sees the same bytes again: the call is complete when it
      // saw enough of them, or the end. Until then, the data that is there
      // keeps the socket readable, so look again a little later.
      total = static_cast<size_t>(n);
      if (!waitAll || !mayWait(*d) || n == 0 || total == wanted) break;
      if (int32_t e = waitSocket(vmctx, -1, 0, 1'000'000)) return e;
      continue;
    }
    total += static_cast<size_t>(n);
    advance(vec, static_cast<size_t>(n));
    if (!waitAll || !mayWait(*d) || n == 0 || vec.empty()) break;
  }
  mem.storeU32(u32(roDatalenPtr), static_cast<uint32_t>(total));
  mem.storeU16(u32(roFlagsPtr), truncated ? 1 : 0);  // roflags::recv_data_truncated
  return kSuccess;
}

int32_t sockSend(kiln_vmctx* vmctx, int32_t fd, int32_t siData, int32_t siDataLen, int32_t siFlags,
                 int32_t soDatalenPtr) {
  Descriptor* d;
  if (int32_t e = lookupSocket(vmctx, fd, kRightFdWrite, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(soDatalenPtr), 4)) return kEfault;
  auto buffers = guestIovs(mem, u32(siData), u32(siDataLen));
  if (!buffers) return kEfault;
  if (siFlags != 0) return kEinval;
  std::vector<iovec> vec = hostIovecs(*buffers);
  // MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE. A blocking send
  // sends everything, waiting (interruptibly) whenever the socket is full.
  size_t total = 0;
  while (!vec.empty()) {
    msghdr msg{};
    msg.msg_iov = vec.data();
    msg.msg_iovlen = vec.size();
    ssize_t n = ::sendmsg(d->hostFd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (mayWait(*d) && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (int32_t e = waitSocket(vmctx, d->hostFd, POLLOUT)) return e;
        continue;
      }
      if (total > 0) break;  // the next call reports the error
      return errnoFromHost(errno);
    }
    total += static_cast<size_t>(n);
    advance(vec, static_cast<size_t>(n));
    if (!mayWait(*d)) break;
  }
  mem.storeU32(u32(soDatalenPtr), static_cast<uint32_t>(total));
  return kSuccess;
}

}  // namespace

// The three that may wait, as thin wrappers (rt_wasi.h).
int32_t sock_accept(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t resultFdPtr) {
  return endIfInterrupted(vmctx, sockAccept(vmctx, fd, flags, resultFdPtr), kEintr);
}

int32_t sock_recv(kiln_vmctx* vmctx, int32_t fd, int32_t riData, int32_t riDataLen, int32_t riFlags,
                  int32_t roDatalenPtr, int32_t roFlagsPtr) {
  return endIfInterrupted(vmctx, sockRecv(vmctx, fd, riData, riDataLen, riFlags, roDatalenPtr, roFlagsPtr), kEintr);
}

int32_t sock_send(kiln_vmctx* vmctx, int32_t fd, int32_t siData, int32_t siDataLen, int32_t siFlags,
                  int32_t soDatalenPtr) {
  return endIfInterrupted(vmctx, sockSend(vmctx, fd, siData, siDataLen, siFlags, soDatalenPtr), kEintr);
}

int32_t sock_shutdown(kiln_vmctx* vmctx, int32_t fd, int32_t how) {
  Descriptor* d;
  if (int32_t e = lookupSocket(vmctx, fd, kRightSockShutdown, &d)) return e;
  constexpr uint32_t kShutRd = 1, kShutWr = 2;
  int hostHow;
  switch (u32(how)) {
    case kShutRd: hostHow = SHUT_RD; break;
    case kShutWr: hostHow = SHUT_WR; break;
    case kShutRd | kShutWr: hostHow = SHUT_RDWR; break;
    default: return kEinval;
  }
  if (::shutdown(d->hostFd, hostHow) != 0) return errnoFromHost(errno);
  return kSuccess;
}

}  // namespace kiln::wasi
