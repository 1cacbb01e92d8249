#include "driver/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

#include "driver/error.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace kiln::driver {

std::vector<uint8_t> readFile(const std::string& path) {
  auto fail = [&](int error) { return DriverError("cannot read '" + path + "': " + std::strerror(error)); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail(errno);
  std::vector<uint8_t> bytes;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      throw fail(error);
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  ::close(fd);
  return bytes;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/kiln-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (!::mkdtemp(buffer.data()))
    throw DriverError("cannot create a temporary directory in '" + pattern.substr(0, pattern.size() - 12) +
                      "': " + std::strerror(errno));
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string resolveOutput(const std::string& path) {
  if (path == "-") return path;
  std::string current = path;
  // Follow symbolic links (a bounded number: a loop is an error).
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return current;
    std::error_code error;
    std::filesystem::path target = std::filesystem::read_symlink(current, error);
    if (error) throw DriverError("cannot write '" + path + "': " + error.message());
    current = target.is_absolute() ? target.string()
                                   : (std::filesystem::path(current).parent_path() / target).string();
  }
  throw DriverError("cannot write '" + path + "': too many levels of symbolic links");
}

bool isDirectOutput(const std::string& resolved) {
  if (resolved == "-") return true;
  struct stat st {};
  if (::stat(resolved.c_str(), &st) != 0) return false;
  if (S_ISDIR(st.st_mode)) throw DriverError("cannot write '" + resolved + "': it is a directory");
  return !S_ISREG(st.st_mode);
}

void writeDirect(const std::string& resolved, std::string_view bytes) {
  int fd = resolved == "-" ? STDOUT_FILENO : ::open(resolved.c_str(), O_WRONLY | O_CLOEXEC);
  std::string name = resolved == "-" ? std::string("standard output") : "'" + resolved + "'";
  if (fd < 0) throw DriverError("cannot write " + name + ": " + std::strerror(errno));
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      if (fd != STDOUT_FILENO) ::close(fd);
      throw DriverError("cannot write " + name + ": " + std::strerror(error));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (fd != STDOUT_FILENO) ::close(fd);
}

struct OutputFile::Impl {
  std::string path;  // resolved: a symbolic link's target, or "-"
  std::optional<llvm::sys::fs::TempFile> temp;
  std::unique_ptr<llvm::raw_fd_ostream> stream;
  // Standard output, a device or a FIFO: written whole, in order, by
  // commit() (object emission seeks back, which they cannot).
  bool direct = false;
  llvm::SmallString<0> buffer;
  std::unique_ptr<llvm::raw_svector_ostream> bufferStream;
};

OutputFile::OutputFile(const std::string& requested) : impl_(std::make_unique<Impl>()) {
  const std::string path = resolveOutput(requested);
  impl_->path = path;
  if (isDirectOutput(path)) {
    impl_->direct = true;
    impl_->bufferStream = std::make_unique<llvm::raw_svector_ostream>(impl_->buffer);
    return;
  }
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%";
  llvm::Expected<llvm::sys::fs::TempFile> temp = llvm::sys::fs::TempFile::create(model);
  if (!temp) throw DriverError("cannot write '" + path + "': " + llvm::toString(temp.takeError()));
  impl_->temp.emplace(std::move(*temp));
  impl_->stream = std::make_unique<llvm::raw_fd_ostream>(impl_->temp->FD, /*shouldClose=*/false);
}

OutputFile::~OutputFile() {
  if (impl_->direct) return;
  if (impl_->temp) {
    impl_->stream.reset();
    llvm::consumeError(impl_->temp->discard());
  }
}

llvm::raw_pwrite_stream& OutputFile::stream() {
  if (impl_->direct) return *impl_->bufferStream;
  return *impl_->stream;
}

void OutputFile::commit() {
  if (impl_->direct) {
    writeDirect(impl_->path, std::string_view(impl_->buffer.data(), impl_->buffer.size()));
    return;
  }
  impl_->stream->flush();
  std::error_code streamError = impl_->stream->error();
  impl_->stream->clear_error();
  impl_->stream.reset();
  if (streamError) throw DriverError("cannot write '" + impl_->path + "': " + streamError.message());
  llvm::Error keepError = impl_->temp->keep(impl_->path);
  impl_->temp.reset();
  if (keepError) throw DriverError("cannot write '" + impl_->path + "': " + llvm::toString(std::move(keepError)));
}

std::string fileStem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

bool sameFile(const std::string& a, const std::string& b) {
  std::error_code error;
  return std::filesystem::equivalent(a, b, error) && !error;
}

}  // namespace kiln::driver
