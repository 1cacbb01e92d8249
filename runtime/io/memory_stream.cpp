// Streams over the embedder's own objects: bytes to read (a request body)
// and a callback that takes what is written (a response being collected).
// Neither waits, so neither uses its Waiter.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "io.h"

namespace kiln::io {
namespace {

class BytesStream : public Stream {
 public:
  explicit BytesStream(std::string bytes) : bytes_(std::move(bytes)) {}
  IoResult read(std::span<uint8_t> buffer, Waiter* = nullptr) override {
    size_t n = std::min(buffer.size(), bytes_.size() - position_);
    if (n) std::memcpy(buffer.data(), bytes_.data() + position_, n);
    position_ += n;
    return {n, 0};
  }
  IoResult write(std::span<const uint8_t>, Waiter* = nullptr) override { return IoResult::fail(EBADF); }
  IoResult skip(uint64_t n, Waiter* = nullptr) override {
    uint64_t left = bytes_.size() - position_;
    uint64_t done = n < left ? n : left;
    position_ += static_cast<size_t>(done);
    return {done, 0};
  }

 private:
  std::string bytes_;
  size_t position_ = 0;
};

class SinkStream : public Stream {
 public:
  explicit SinkStream(std::function<bool(std::string_view)> sink) : sink_(std::move(sink)) {}
  IoResult read(std::span<uint8_t>, Waiter* = nullptr) override { return IoResult::fail(EBADF); }
  IoResult write(std::span<const uint8_t> buffer, Waiter* = nullptr) override {
    if (sink_ && !buffer.empty() &&
        !sink_(std::string_view(reinterpret_cast<const char*>(buffer.data()), buffer.size())))
      return IoResult::fail(ENOSPC);
    return {buffer.size(), 0};
  }

 private:
  std::function<bool(std::string_view)> sink_;
};

}  // namespace

std::unique_ptr<Stream> bytesStream(std::string bytes) { return std::make_unique<BytesStream>(std::move(bytes)); }

std::unique_ptr<Stream> sinkStream(std::function<bool(std::string_view)> sink) {
  return std::make_unique<SinkStream>(std::move(sink));
}

}  // namespace kiln::io
