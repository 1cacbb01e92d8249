// Writing a whole buffer to a file descriptor, retrying short writes and
// EINTR: shared by the runtime's anonymous files (module images, memory
// images) and the C API's output files.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

namespace kiln::rt {

// At `offset` (pwrite), or at the descriptor's position when offset < 0.
// False with errno set on failure.
inline bool writeAllToFd(int fd, const void* data, size_t size, int64_t offset = -1) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  while (size) {
    ssize_t n = offset < 0 ? ::write(fd, bytes, size) : ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes += n;
    size -= static_cast<size_t>(n);
    if (offset >= 0) offset += n;
  }
  return true;
}

}  // namespace kiln::rt
