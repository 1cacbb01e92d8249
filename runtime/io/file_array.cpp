// A host regular file as an Array: pread/pwrite at offsets, fstat for the
// length, ftruncate, fsync. EINTR is retried here.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <limits>

#include "io.h"

namespace kiln::io {
namespace {

constexpr size_t kMaxBytesPerCall = size_t{1} << 30;
constexpr uint64_t kMaxOffset = static_cast<uint64_t>(std::numeric_limits<off_t>::max());

class FileArray final : public Array {
 public:
  explicit FileArray(int fd) : fd_(fd) {}
  ~FileArray() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FileArray(const FileArray&) = delete;
  FileArray& operator=(const FileArray&) = delete;

  IoResult readAt(std::span<uint8_t> buffer, uint64_t offset) override {
    if (buffer.empty()) return {};
    if (offset > kMaxOffset) return {};  // beyond any file's end
    size_t len = buffer.size() < kMaxBytesPerCall ? buffer.size() : kMaxBytesPerCall;
    for (;;) {
      ssize_t n = ::pread(fd_, buffer.data(), len, static_cast<off_t>(offset));
      if (n >= 0) return {static_cast<uint64_t>(n), 0};
      if (errno != EINTR) return IoResult::fail(errno);
    }
  }

  IoResult writeAt(std::span<const uint8_t> buffer, uint64_t offset) override {
    if (buffer.empty()) return {};
    if (offset > kMaxOffset || buffer.size() > kMaxOffset - offset) return IoResult::fail(EFBIG);
    size_t len = buffer.size() < kMaxBytesPerCall ? buffer.size() : kMaxBytesPerCall;
    for (;;) {
      ssize_t n = ::pwrite(fd_, buffer.data(), len, static_cast<off_t>(offset));
      if (n >= 0) return {static_cast<uint64_t>(n), 0};
      if (errno != EINTR) return IoResult::fail(errno);
    }
  }

  IoResult length() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoResult::fail(errno);
    return {static_cast<uint64_t>(st.st_size), 0};
  }

  IoResult setLength(uint64_t length) override {
    if (length > kMaxOffset) return IoResult::fail(EFBIG);
    for (;;) {
      if (::ftruncate(fd_, static_cast<off_t>(length)) == 0) return {length, 0};
      if (errno != EINTR) return IoResult::fail(errno);
    }
  }

  IoResult sync() override {
    for (;;) {
      if (::fsync(fd_) == 0) return {};
      if (errno != EINTR) return IoResult::fail(errno);
    }
  }

  int hostFd() const override { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::unique_ptr<Array> fileArray(int fd) { return std::make_unique<FileArray>(fd); }

}  // namespace kiln::io
