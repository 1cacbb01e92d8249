// The I/O core's shared parts: Stream's default skip and vectored
// transfers, and ArrayCursor (a stream view of an array).
//
// An interrupted wait ends a transfer even after some bytes moved: the
// guest's call is being ended, so the count would reach no one.
#include <cerrno>

#include "io.h"

namespace kiln::io {

IoResult Stream::skip(uint64_t n, Waiter* waiter) {
  uint8_t scratch[4096];
  uint64_t done = 0;
  while (done < n) {
    uint64_t want = n - done < sizeof scratch ? n - done : sizeof scratch;
    IoResult r = read(std::span<uint8_t>(scratch, static_cast<size_t>(want)), waiter);
    if (!r.ok()) return done > 0 && !r.interrupted() ? IoResult{done, 0} : r;
    if (r.value == 0) break;  // end of stream
    done += r.value;
  }
  return {done, 0};
}

IoResult Stream::readVector(std::span<const std::span<uint8_t>> buffers, Waiter* waiter) {
  uint64_t total = 0;
  for (std::span<uint8_t> buffer : buffers) {
    if (buffer.empty()) continue;
    IoResult r = read(buffer, waiter);
    if (!r.ok()) return total > 0 && !r.interrupted() ? IoResult{total, 0} : r;
    total += r.value;
    if (r.value < buffer.size()) break;
  }
  return {total, 0};
}

IoResult Stream::writeVector(std::span<const std::span<const uint8_t>> buffers, Waiter* waiter) {
  uint64_t total = 0;
  for (std::span<const uint8_t> buffer : buffers) {
    if (buffer.empty()) continue;
    IoResult r = write(buffer, waiter);
    if (!r.ok()) return total > 0 && !r.interrupted() ? IoResult{total, 0} : r;
    total += r.value;
    if (r.value < buffer.size()) break;
  }
  return {total, 0};
}

IoResult ArrayCursor::read(std::span<uint8_t> buffer, Waiter*) {
  if (buffer.empty()) return {};
  IoResult r = array_->readAt(buffer, position_);
  if (!r.ok()) return r;
  position_ += r.value;
  return r;
}

IoResult ArrayCursor::write(std::span<const uint8_t> buffer, Waiter*) {
  uint64_t at = position_;
  if (append_) {
    IoResult length = array_->length();
    if (!length.ok()) return length;
    at = length.value;
  }
  IoResult r = array_->writeAt(buffer, at);
  if (!r.ok()) return r;
  position_ = at + r.value;
  return r;
}

IoResult ArrayCursor::skip(uint64_t n, Waiter*) {
  IoResult length = array_->length();
  if (!length.ok()) return length;
  uint64_t left = length.value > position_ ? length.value - position_ : 0;
  uint64_t done = n < left ? n : left;
  position_ += done;
  return {done, 0};
}

}  // namespace kiln::io
