// The runtime's one I/O core. Everything a guest reads or writes goes
// through a Stream (ordered bytes: stdio, pipes, sockets, HTTP bodies, log
// sinks, random/zero/null) or an Array (random access: files, memory
// buffers). WASI descriptors and Dagger descriptors are both views of these
// objects, so each kind of host object is implemented once.
//
// Rules every implementation keeps:
// - Errors are values (IoResult::error is a host errno, 0 on success);
//   nothing throws, and EINTR is retried inside, never returned.
// - A read returning 0 bytes means end of stream, and it stays ended.
// - A write may be partial; callers loop.
// - Waiting goes through the caller's Waiter (below), never around it.
// - No write raises SIGPIPE, and none changes how the process handles it:
//   the runtime is a library, and a guest writing to a closed pipe or
//   socket gets EPIPE without killing its host.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace kiln::io {

// IoResult::error when the caller's Waiter gave up (the guest's store was
// interrupted or passed its deadline). Not an errno: the caller ends the
// guest's call instead of reporting it.
inline constexpr int kInterrupted = -1;

struct IoResult {
  uint64_t value = 0;  // bytes transferred, or the length asked for
  int error = 0;       // host errno, or kInterrupted; 0 on success
  bool ok() const { return error == 0; }
  bool interrupted() const { return error == kInterrupted; }
  static IoResult fail(int error) { return {0, error}; }
};

// How a transfer waits. Pipes, sockets and terminals may make a transfer
// wait for the other side, possibly forever (a pipe nobody writes, a peer
// that never answers). A stream does not wait on its own there: it asks the
// Waiter its caller passed, and the WASI and Dagger host functions pass one
// that gives up as soon as the guest's store is interrupted or its deadline
// passes (rt::waitForHost). Without a Waiter (nullptr) a transfer blocks
// as the host descriptor does.
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Waits until `fd` is ready for `events` (POLLIN, POLLOUT; an error or a
  // hang-up counts as ready, the transfer then reports it). Returns 0 when
  // it is, kInterrupted when the wait was ended, else a host errno.
  virtual int wait(int fd, short events) = 0;
};

class Stream {
 public:
  virtual ~Stream() = default;
  virtual IoResult read(std::span<uint8_t> buffer, Waiter* waiter = nullptr) = 0;
  virtual IoResult write(std::span<const uint8_t> buffer, Waiter* waiter = nullptr) = 0;
  virtual IoResult flush(Waiter* = nullptr) { return {}; }
  // Finishes the stream before the guest lets it go (Dagger's close):
  // writes out what it still holds. The destructor does the same, without
  // a Waiter, for what is left when the guest's state goes.
  virtual IoResult close(Waiter* = nullptr) { return {}; }
  // Discards up to n bytes of input; the default reads and drops them.
  virtual IoResult skip(uint64_t n, Waiter* waiter = nullptr);
  // The host descriptor behind the stream, for poll(2); -1 when there is
  // none (the stream is then always ready).
  virtual int pollFd() const { return -1; }

  // Vectored transfers (WASI's iovecs): the buffers in order, as one host
  // call where the stream can (fd streams use readv/writev, so a read never
  // waits for a second buffer once the first got data). The defaults call
  // read/write per buffer and stop at the first short transfer (or at an
  // error after some bytes moved, which the next call then reports).
  virtual IoResult readVector(std::span<const std::span<uint8_t>> buffers, Waiter* waiter = nullptr);
  virtual IoResult writeVector(std::span<const std::span<const uint8_t>> buffers, Waiter* waiter = nullptr);
};

class Array {
 public:
  virtual ~Array() = default;
  virtual IoResult readAt(std::span<uint8_t> buffer, uint64_t offset) = 0;
  virtual IoResult writeAt(std::span<const uint8_t> buffer, uint64_t offset) = 0;
  virtual IoResult length() = 0;
  virtual IoResult setLength(uint64_t length) = 0;
  virtual IoResult sync() { return {}; }
  // The host descriptor behind the array (for stat, timestamps, advice);
  // -1 when there is none.
  virtual int hostFd() const { return -1; }
};

// A host file descriptor as a stream (stdin/stdout/stderr, pipes, sockets,
// character devices). Owns the descriptor when `owned`; one it does not own
// (stdio) may be redirected under it, so it looks at what the descriptor is
// on every transfer.
std::unique_ptr<Stream> fdStream(int fd, bool owned);

// A stream that reads `bytes` and then end of file; writes fail (EBADF).
std::unique_ptr<Stream> bytesStream(std::string bytes);
// A stream whose writes go to `sink` (all at once, in order); a sink that
// returns false fails the write with ENOSPC, an empty one discards. Reads
// fail (EBADF).
std::unique_ptr<Stream> sinkStream(std::function<bool(std::string_view)> sink);
// A host regular file as an array. Owns the descriptor.
std::unique_ptr<Array> fileArray(int fd);

// A stream view of an array with its own position (the WASI file offset,
// Dagger's file:// handles). `append` makes every write go to the end.
// Its end of stream is the array's end, as for a POSIX file: a read at the
// end returns 0, and returns data again once the array has grown.
class ArrayCursor : public Stream {
 public:
  ArrayCursor(std::shared_ptr<Array> array, bool append) : array_(std::move(array)), append_(append) {}
  // A file never waits: the Waiters are not used.
  IoResult read(std::span<uint8_t> buffer, Waiter* = nullptr) override;
  IoResult write(std::span<const uint8_t> buffer, Waiter* = nullptr) override;
  IoResult flush(Waiter* = nullptr) override { return array_->sync(); }
  IoResult skip(uint64_t n, Waiter* = nullptr) override;
  uint64_t position() const { return position_; }
  void setPosition(uint64_t position) { position_ = position; }
  Array& array() { return *array_; }
  bool append() const { return append_; }
  void setAppend(bool append) { append_ = append; }

 private:
  std::shared_ptr<Array> array_;
  bool append_;
  uint64_t position_ = 0;
};

}  // namespace kiln::io
