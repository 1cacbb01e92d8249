// Dagger's own streams: null://, zero://, random:// and the log:// line
// buffer. stdin/stdout/stderr and files come from the I/O core.
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "rt_dagger.h"

namespace kiln::dagger {
namespace {

class NullStream final : public io::Stream {
 public:
  io::IoResult read(std::span<uint8_t>, io::Waiter*) override { return {}; }
  io::IoResult write(std::span<const uint8_t> buffer, io::Waiter*) override { return {buffer.size(), 0}; }
  io::IoResult skip(uint64_t, io::Waiter*) override { return {}; }
};

class ZeroStream final : public io::Stream {
 public:
  io::IoResult read(std::span<uint8_t> buffer, io::Waiter*) override {
    std::memset(buffer.data(), 0, buffer.size());
    return {buffer.size(), 0};
  }
  io::IoResult write(std::span<const uint8_t> buffer, io::Waiter*) override { return {buffer.size(), 0}; }
  io::IoResult skip(uint64_t n, io::Waiter*) override { return {n, 0}; }
};

class RandomStream final : public io::Stream {
 public:
  io::IoResult read(std::span<uint8_t> buffer, io::Waiter*) override {
    size_t done = 0;
    while (done < buffer.size()) {
      size_t chunk = buffer.size() - done < (1u << 25) ? buffer.size() - done : (1u << 25);
      ssize_t n = ::getrandom(buffer.data() + done, chunk, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (done > 0) break;
        return io::IoResult::fail(errno);
      }
      done += static_cast<size_t>(n);
    }
    return {done, 0};
  }
  io::IoResult write(std::span<const uint8_t>, io::Waiter*) override { return io::IoResult::fail(ENOTSUP); }
  io::IoResult skip(uint64_t n, io::Waiter*) override { return {n, 0}; }
};

}  // namespace

std::unique_ptr<io::Stream> nullStream() { return std::make_unique<NullStream>(); }
std::unique_ptr<io::Stream> zeroStream() { return std::make_unique<ZeroStream>(); }
std::unique_ptr<io::Stream> randomStream() { return std::make_unique<RandomStream>(); }

// ---- log:// ----------------------------------------------------------------

LogStream::LogStream(std::string tag, std::shared_ptr<io::Stream> sink)
    : prefix_("[" + tag + "] "), sink_(std::move(sink)) {}

LogStream::~LogStream() { (void)close(nullptr); }

io::IoResult LogStream::read(std::span<uint8_t>, io::Waiter*) { return io::IoResult::fail(ENOTSUP); }

io::IoResult LogStream::skip(uint64_t, io::Waiter*) { return io::IoResult::fail(ENOTSUP); }

io::IoResult LogStream::emit(std::string_view line, io::Waiter* waiter) {
  std::string out;
  out.reserve(prefix_.size() + line.size() + 1);
  out += prefix_;
  out += line;
  out += '\n';
  io::IoResult r = writeAll(*sink_, {reinterpret_cast<const uint8_t*>(out.data()), out.size()}, waiter);
  return r.ok() ? io::IoResult{} : r;
}

io::IoResult LogStream::write(std::span<const uint8_t> buffer, io::Waiter* waiter) {
  const char* data = reinterpret_cast<const char*>(buffer.data());
  size_t size = buffer.size();
  size_t pos = 0;
  while (pos < size) {
    const void* nl = std::memchr(data + pos, '\n', size - pos);
    size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : size;
    // Take what fits on the current line.
    size_t room = kMaxLogLine - line_.size();
    size_t take = end - pos < room ? end - pos : room;
    line_.append(data + pos, take);
    pos += take;
    bool newline = pos < size && pos == end;  // stopped at the '\n'
    if (newline && take == 0 && line_.empty() && cut_) {
      // The newline that ends a line already cut at kMaxLogLine.
      cut_ = false;
      ++pos;
      continue;
    }
    cut_ = false;
    if (newline || line_.size() >= kMaxLogLine) {
      io::IoResult r = emit(line_, waiter);
      line_.clear();
      if (newline)
        ++pos;
      else
        cut_ = true;
      if (!r.ok()) return r;
    }
  }
  return {size, 0};
}

io::IoResult LogStream::flush(io::Waiter* waiter) {
  if (io::IoResult r = close(waiter); !r.ok()) return r;
  return sink_->flush(waiter);
}

io::IoResult LogStream::close(io::Waiter* waiter) {
  cut_ = false;
  if (line_.empty()) return {};
  io::IoResult r = emit(line_, waiter);
  line_.clear();
  return r;
}

// ---- helpers ------------------------------------------------------------------

int32_t errorFromHost(int hostErrno) {
  switch (hostErrno) {
    case 0: return 0;
    case EFAULT: return kDaggerBadInput;
    case EACCES:
    case EPERM:
    case EROFS:
    case EXDEV:  // openat2 RESOLVE_BENEATH: the path would leave the grant
    case ELOOP:  // a symbolic link where none may be followed
      return kDaggerPermissionDenied;
    case ENOENT:
    case ENOTDIR:
      return kDaggerNotFound;
    case EMFILE:
    case ENFILE:
      return kDaggerTooManyOpen;
    case EBADF: return kDaggerBadFd;
    case ENOTSUP:
    case EISDIR:
    case ESPIPE:
      return kDaggerUnsupported;
    default: return kDaggerIoError;
  }
}

io::IoResult writeAll(io::Stream& stream, std::span<const uint8_t> data, io::Waiter* waiter) {
  uint64_t done = 0;
  while (done < data.size()) {
    io::IoResult r = stream.write(data.subspan(done), waiter);
    if (!r.ok()) return {done, r.error};
    if (r.value == 0) return {done, EIO};  // no progress: do not spin
    done += r.value;
  }
  return {done, 0};
}

}  // namespace kiln::dagger
