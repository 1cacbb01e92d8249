// WASI: sock_accept, sock_recv, sock_send, sock_shutdown. Preview 1 cannot
// create sockets; a guest meets one only as an inherited descriptor (stdio
// connected to a socket, as under inetd or systemd socket activation). On
// anything else these return ENOTSOCK.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "rt_wasi.h"

namespace kiln::wasi {
namespace {

// The socket behind `fd`: EBADF when not open, ENOTSOCK when not a socket,
// then ENOTCAPABLE when a right is missing.
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

}  // namespace

int32_t sock_accept(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t resultFdPtr) {
  Descriptor* d;
  if (int32_t e = lookupSocket(vmctx, fd, kRightSockAccept, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(resultFdPtr), 4)) return kEfault;
  if (u32(flags) & ~uint32_t{kFdflagNonblock}) return kEinval;
  int hostFd;
  do {
    hostFd = ::accept4(d->hostFd, nullptr, nullptr, SOCK_CLOEXEC | ((flags & kFdflagNonblock) ? SOCK_NONBLOCK : 0));
  } while (hostFd < 0 && errno == EINTR);
  if (hostFd < 0) return errnoFromHost(errno);
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

int32_t sock_recv(kiln_vmctx* vmctx, int32_t fd, int32_t riData, int32_t riDataLen, int32_t riFlags,
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
  msghdr msg{};
  msg.msg_iov = vec.data();
  msg.msg_iovlen = vec.size();
  int hostFlags = ((riFlags & kRecvPeek) ? MSG_PEEK : 0) | ((riFlags & kRecvWaitall) ? MSG_WAITALL : 0);
  if ((d->fdflags & kFdflagNonblock) && d->sharedHostFd) hostFlags |= MSG_DONTWAIT;
  ssize_t n;
  do {
    n = ::recvmsg(d->hostFd, &msg, hostFlags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errnoFromHost(errno);
  mem.storeU32(u32(roDatalenPtr), static_cast<uint32_t>(n));
  mem.storeU16(u32(roFlagsPtr), (msg.msg_flags & MSG_TRUNC) ? 1 : 0);  // roflags::recv_data_truncated
  return kSuccess;
}

int32_t sock_send(kiln_vmctx* vmctx, int32_t fd, int32_t siData, int32_t siDataLen, int32_t siFlags,
                  int32_t soDatalenPtr) {
  Descriptor* d;
  if (int32_t e = lookupSocket(vmctx, fd, kRightFdWrite, &d)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(soDatalenPtr), 4)) return kEfault;
  auto buffers = guestIovs(mem, u32(siData), u32(siDataLen));
  if (!buffers) return kEfault;
  if (siFlags != 0) return kEinval;
  std::vector<iovec> vec = hostIovecs(*buffers);
  msghdr msg{};
  msg.msg_iov = vec.data();
  msg.msg_iovlen = vec.size();
  int hostFlags = MSG_NOSIGNAL;
  if ((d->fdflags & kFdflagNonblock) && d->sharedHostFd) hostFlags |= MSG_DONTWAIT;
  ssize_t n;
  do {
    n = ::sendmsg(d->hostFd, &msg, hostFlags);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errnoFromHost(errno);
  mem.storeU32(u32(soDatalenPtr), static_cast<uint32_t>(n));
  return kSuccess;
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
