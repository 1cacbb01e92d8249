// A host file descriptor as a Stream: stdio, pipes, sockets, character
// devices. EINTR is retried here; end of input is sticky.
//
// Waiting (io.h's Waiter) depends on what the descriptor is:
// - a regular file or block device never waits for anyone: plain
//   readv/writev;
// - a socket: recvmsg/sendmsg with MSG_DONTWAIT, and on EAGAIN the Waiter,
//   then again. The descriptor's own O_NONBLOCK is never touched: stdio's
//   is shared with other processes;
// - anything else (pipes, FIFOs, terminals): the Waiter first, then one
//   readv/writev that poll(2) said can go ahead. Such a write moves at most
//   PIPE_BUF bytes, which a pipe that poll calls writable always takes
//   without blocking. Another process reading the same descriptor (a shared
//   stdin) can still take the data between the two; only such sharing has
//   that race.
// Without a Waiter every transfer is the plain host call, and blocks as the
// descriptor does.
//
// SIGPIPE. A write to a pipe or socket whose reader has gone raises SIGPIPE,
// whose default action kills the process. The runtime is a library: it must
// neither kill its embedder nor change the process's signal dispositions.
// Sockets are written with MSG_NOSIGNAL; every other write that is not to a
// file runs with SIGPIPE blocked in the calling thread, consumes the SIGPIPE
// it left pending, and restores the thread's mask (writeWithoutSigpipe).
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "io.h"

namespace kiln::io {
namespace {

// At most this many buffers per readv/writev (the host's IOV_MAX).
constexpr size_t kMaxIovs = 1024;
// At most this many bytes per host call (Linux transfers at most
// 0x7ffff000 per call anyway; this keeps ssize_t arithmetic obvious).
constexpr size_t kMaxBytesPerCall = size_t{1} << 30;

enum class Kind { File, Socket, Other };

Kind kindOf(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Kind::Other;  // the transfer reports why
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode) || S_ISDIR(st.st_mode)) return Kind::File;
  if (S_ISSOCK(st.st_mode)) return Kind::Socket;
  return Kind::Other;
}

// Up to kMaxIovs non-empty buffers holding at most `limit` bytes together.
template <typename Byte>
size_t fillIovecs(std::span<const std::span<Byte>> buffers, size_t limit, iovec* vec) {
  size_t count = 0;
  size_t bytes = 0;
  for (std::span<Byte> b : buffers) {
    if (b.empty()) continue;
    if (count == kMaxIovs || bytes >= limit) break;
    size_t len = b.size() < limit - bytes ? b.size() : limit - bytes;
    vec[count++] = {const_cast<uint8_t*>(b.data()), len};
    bytes += len;
  }
  return count;
}

// writev(2) that cannot raise SIGPIPE: the signal is blocked in this thread
// for the call, and a SIGPIPE the write left pending is taken out again,
// unless one was pending before (that one is someone else's). A SIGPIPE
// that was not blocked cannot have been pending: it would have been
// delivered. Returns as writev does, errno included.
ssize_t writeWithoutSigpipe(int fd, const iovec* vec, int count) {
  sigset_t pipeOnly, old;
  sigemptyset(&pipeOnly);
  sigaddset(&pipeOnly, SIGPIPE);
  if (pthread_sigmask(SIG_BLOCK, &pipeOnly, &old) != 0) return ::writev(fd, vec, count);
  bool pendingBefore = false;
  if (sigismember(&old, SIGPIPE)) {
    sigset_t pending;
    pendingBefore = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
  }
  ssize_t n = ::writev(fd, vec, count);
  int error = errno;
  if (n < 0 && error == EPIPE && !pendingBefore) {
    const timespec now{0, 0};
    while (sigtimedwait(&pipeOnly, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = error;
  return n;
}

class FdStream final : public Stream {
 public:
  FdStream(int fd, bool owned) : fd_(fd), owned_(owned), kind_(owned ? kindOf(fd) : Kind::Other) {}
  ~FdStream() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;

  IoResult read(std::span<uint8_t> buffer, Waiter* waiter) override {
    if (buffer.empty()) return {};
    std::span<uint8_t> one[1] = {buffer};
    return readVector(one, waiter);
  }

  IoResult write(std::span<const uint8_t> buffer, Waiter* waiter) override {
    if (buffer.empty()) return {};
    std::span<const uint8_t> one[1] = {buffer};
    return writeVector(one, waiter);
  }

  IoResult readVector(std::span<const std::span<uint8_t>> buffers, Waiter* waiter) override {
    if (ended_) return {};
    iovec vec[kMaxIovs];
    size_t count = fillIovecs(buffers, kMaxBytesPerCall, vec);
    if (count == 0) return {};
    Kind kind = waiter ? currentKind() : Kind::File;
    for (;;) {
      ssize_t n;
      if (kind == Kind::Socket) {
        msghdr msg{};
        msg.msg_iov = vec;
        msg.msg_iovlen = count;
        n = ::recvmsg(fd_, &msg, MSG_DONTWAIT);
      } else {
        if (kind == Kind::Other)
          if (int w = waiter->wait(fd_, POLLIN)) return IoResult::fail(w);
        n = ::readv(fd_, vec, static_cast<int>(count));
      }
      if (n >= 0) {
        if (n == 0) ended_ = true;
        return {static_cast<uint64_t>(n), 0};
      }
      if (errno == EINTR) continue;
      if (waiter && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // The data went to another reader, or a socket has none yet.
        if (kind == Kind::Socket)
          if (int w = waiter->wait(fd_, POLLIN)) return IoResult::fail(w);
        continue;
      }
      if (kind == Kind::Socket && errno == ENOTSOCK) {  // stdio redirected under us
        kind = Kind::Other;
        continue;
      }
      return IoResult::fail(errno);
    }
  }

  IoResult writeVector(std::span<const std::span<const uint8_t>> buffers, Waiter* waiter) override {
    Kind kind = currentKind();
    iovec vec[kMaxIovs];
    size_t count = fillIovecs(buffers, waiter && kind == Kind::Other ? size_t{PIPE_BUF} : kMaxBytesPerCall, vec);
    if (count == 0) return {};
    for (;;) {
      ssize_t n;
      if (kind == Kind::Socket) {
        msghdr msg{};
        msg.msg_iov = vec;
        msg.msg_iovlen = count;
        n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (waiter ? MSG_DONTWAIT : 0));
      } else if (kind == Kind::File) {
        n = ::writev(fd_, vec, static_cast<int>(count));
      } else {
        if (waiter)
          if (int w = waiter->wait(fd_, POLLOUT)) return IoResult::fail(w);
        n = writeWithoutSigpipe(fd_, vec, static_cast<int>(count));
      }
      if (n >= 0) return {static_cast<uint64_t>(n), 0};
      if (errno == EINTR) continue;
      if (waiter && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (kind == Kind::Socket)
          if (int w = waiter->wait(fd_, POLLOUT)) return IoResult::fail(w);
        continue;
      }
      if (kind == Kind::Socket && errno == ENOTSOCK) {  // stdio redirected under us
        kind = Kind::Other;
        count = fillIovecs(buffers, waiter ? size_t{PIPE_BUF} : kMaxBytesPerCall, vec);
        continue;
      }
      return IoResult::fail(errno);
    }
  }

  int pollFd() const override { return fd_; }

 private:
  // What the descriptor is now. Stdio (not owned) may be redirected by the
  // embedder at any time, so it is looked at again for every transfer.
  Kind currentKind() const { return owned_ ? kind_ : kindOf(fd_); }

  int fd_;
  bool owned_;
  Kind kind_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<Stream> fdStream(int fd, bool owned) { return std::make_unique<FdStream>(fd, owned); }

}  // namespace kiln::io
