// A host file descriptor as a Stream: stdio, pipes, sockets, character
// devices. EINTR is retried here; end of input is sticky.
#include <sys/uio.h>
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

class FdStream final : public Stream {
 public:
  FdStream(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdStream() override {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;

  IoResult read(std::span<uint8_t> buffer) override {
    if (buffer.empty()) return {};
    std::span<uint8_t> one[1] = {buffer};
    return readVector(one);
  }

  IoResult write(std::span<const uint8_t> buffer) override {
    if (buffer.empty()) return {};
    std::span<const uint8_t> one[1] = {buffer};
    return writeVector(one);
  }

  IoResult readVector(std::span<const std::span<uint8_t>> buffers) override {
    if (ended_) return {};
    iovec vec[kMaxIovs];
    size_t count = 0;
    size_t bytes = 0;
    for (std::span<uint8_t> b : buffers) {
      if (b.empty()) continue;
      if (count == kMaxIovs || bytes >= kMaxBytesPerCall) break;
      size_t len = b.size() < kMaxBytesPerCall - bytes ? b.size() : kMaxBytesPerCall - bytes;
      vec[count++] = {b.data(), len};
      bytes += len;
    }
    if (count == 0) return {};
    for (;;) {
      ssize_t n = ::readv(fd_, vec, static_cast<int>(count));
      if (n >= 0) {
        if (n == 0) ended_ = true;
        return {static_cast<uint64_t>(n), 0};
      }
      if (errno != EINTR) return IoResult::fail(errno);
    }
  }

  IoResult writeVector(std::span<const std::span<const uint8_t>> buffers) override {
    iovec vec[kMaxIovs];
    size_t count = 0;
    size_t bytes = 0;
    for (std::span<const uint8_t> b : buffers) {
      if (b.empty()) continue;
      if (count == kMaxIovs || bytes >= kMaxBytesPerCall) break;
      size_t len = b.size() < kMaxBytesPerCall - bytes ? b.size() : kMaxBytesPerCall - bytes;
      vec[count++] = {const_cast<uint8_t*>(b.data()), len};
      bytes += len;
    }
    if (count == 0) return {};
    for (;;) {
      ssize_t n = ::writev(fd_, vec, static_cast<int>(count));
      if (n >= 0) return {static_cast<uint64_t>(n), 0};
      if (errno != EINTR) return IoResult::fail(errno);
    }
  }

  int pollFd() const override { return fd_; }

 private:
  int fd_;
  bool owned_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<Stream> fdStream(int fd, bool owned) { return std::make_unique<FdStream>(fd, owned); }

}  // namespace kiln::io
