// http://HOST:PORT/...: a raw TCP exchange. The guest writes the request
// bytes (request line, headers, body) which wait in a buffer; flush, or the
// first read, connects to HOST:PORT (only now: the allowance was checked at
// open) and sends them; reads return the raw response. Later writes are
// buffered again until the next flush or read.
//
// The socket is non-blocking from the start: connecting, sending and
// receiving wait through the caller's Waiter (io.h), so a server that never
// accepts, never reads or never answers holds the guest only until its
// store is interrupted or its deadline passes. Without a Waiter they wait
// with poll(2), without limit.
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "rt_dagger.h"

namespace kiln::dagger {
namespace {

// Waits for `fd` through `waiter`, or without one for as long as it takes.
// Returns 0 when ready, io::kInterrupted or an errno.
int waitFor(int fd, short events, io::Waiter* waiter) {
  if (waiter) return waiter->wait(fd, events);
  pollfd p{fd, events, 0};
  while (::poll(&p, 1, -1) < 0)
    if (errno != EINTR) return errno;
  return 0;
}

class HttpStream final : public io::Stream {
 public:
  HttpStream(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {}
  ~HttpStream() override {
    if (fd_ >= 0) ::close(fd_);
  }

  io::IoResult write(std::span<const uint8_t> buffer, io::Waiter*) override {
    if (error_) return io::IoResult::fail(error_);
    if (pending_.size() + buffer.size() > kMaxHttpRequest) return io::IoResult::fail(EMSGSIZE);
    pending_.insert(pending_.end(), buffer.begin(), buffer.end());
    return {buffer.size(), 0};
  }

  io::IoResult flush(io::Waiter* waiter) override {
    if (error_) return io::IoResult::fail(error_);
    if (int error = connectOnce(waiter)) return io::IoResult::fail(error);
    if (int error = sendPending(waiter)) return io::IoResult::fail(error);
    return {};
  }

  io::IoResult read(std::span<uint8_t> buffer, io::Waiter* waiter) override {
    if (io::IoResult r = flush(waiter); !r.ok()) return r;
    if (ended_ || buffer.empty()) return {};
    while (true) {
      ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          if (int w = waitFor(fd_, POLLIN, waiter)) return io::IoResult::fail(w);
          continue;
        }
        return io::IoResult::fail(errno);
      }
      if (n == 0) ended_ = true;  // end of stream stays ended
      return {static_cast<uint64_t>(n), 0};
    }
  }

  int pollFd() const override { return fd_; }

 private:
  // Connects on first use. A failure sticks: the descriptor is dead. An
  // interrupted attempt leaves nothing behind (and does not stick).
  int connectOnce(io::Waiter* waiter) {
    if (fd_ >= 0) return 0;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    std::string service = std::to_string(port_);
    int gai = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &list);
    if (gai == EAI_ADDRFAMILY || gai == EAI_NONAME || gai == EAI_NODATA || gai == EAI_FAIL) {
      // AI_ADDRCONFIG hides loopback-only families on hosts with no other
      // interface; ask again without it before concluding.
      hints.ai_flags = AI_NUMERICSERV;
      gai = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &list);
    }
    if (gai != 0) {
      error_ = (gai == EAI_NONAME || gai == EAI_NODATA || gai == EAI_FAIL || gai == EAI_ADDRFAMILY) ? ENOENT : EIO;
      return error_;
    }
    int lastError = ECONNREFUSED;
    for (addrinfo* ai = list; ai; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
      if (fd < 0) {
        lastError = errno;
        continue;
      }
      int result = 0;
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        result = errno;
        if (result == EINPROGRESS || result == EINTR) result = finishConnect(fd, waiter);
      }
      if (result == 0) {
        fd_ = fd;
        break;
      }
      ::close(fd);
      if (result == io::kInterrupted) {
        ::freeaddrinfo(list);
        return result;
      }
      lastError = result;
    }
    ::freeaddrinfo(list);
    if (fd_ < 0) {
      error_ = lastError;
      return error_;
    }
    return 0;
  }

  // The handshake of a non-blocking (or interrupted) connect(2) goes on:
  // wait for it. Returns 0 when connected, io::kInterrupted or an errno.
  static int finishConnect(int fd, io::Waiter* waiter) {
    if (int w = waitFor(fd, POLLOUT, waiter)) return w;
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return errno;
    return error;
  }

  // Sends the buffered request. An interrupted send keeps what is left for
  // the next flush.
  int sendPending(io::Waiter* waiter) {
    size_t done = 0;
    int result = 0;
    while (done < pending_.size()) {
      ssize_t n = ::send(fd_, pending_.data() + done, pending_.size() - done, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          result = waitFor(fd_, POLLOUT, waiter);
          if (result == 0) continue;
        } else {
          result = errno;
        }
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (result == io::kInterrupted) {
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(done));
      return result;
    }
    pending_.clear();
    if (result != 0) error_ = result;
    return result;
  }

  std::string host_;
  uint16_t port_;
  int fd_ = -1;
  int error_ = 0;  // sticky: connection failed or broke
  bool ended_ = false;
  std::vector<uint8_t> pending_;
};

}  // namespace

std::unique_ptr<io::Stream> httpStream(std::string host, uint16_t port) {
  return std::make_unique<HttpStream>(std::move(host), port);
}

}  // namespace kiln::dagger
