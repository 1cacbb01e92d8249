// file://PATH: only inside a directory the user granted (--dir), never
// leaving it by "..", an absolute path or a symbolic link.
//
// The guest path is first normalised lexically ("." and empty components
// dropped, ".." applied; climbing above the start is refused), matched
// against the grants' guest paths (longest prefix), and the remaining
// components are opened beneath the grant's directory descriptor with
// openat2(RESOLVE_BENEATH), or component by component with O_NOFOLLOW where
// the kernel lacks openat2.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "rt_dagger.h"

namespace kiln::dagger {

SplitPath splitPath(std::string_view path) {
  SplitPath out;
  out.absolute = !path.empty() && path[0] == '/';
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (out.parts.empty())
        out.escapes = true;
      else
        out.parts.pop_back();
      continue;
    }
    out.parts.emplace_back(part);
  }
  return out;
}

const OpenGrant* findGrant(const std::vector<OpenGrant>& grants, const SplitPath& path,
                           std::vector<std::string>* rest) {
  const OpenGrant* best = nullptr;
  for (const OpenGrant& grant : grants) {
    if (grant.guestAbsolute != path.absolute || grant.guest.size() > path.parts.size()) continue;
    bool prefix = true;
    for (size_t i = 0; i < grant.guest.size() && prefix; ++i) prefix = grant.guest[i] == path.parts[i];
    if (!prefix) continue;
    if (!best || grant.guest.size() > best->guest.size()) best = &grant;
  }
  if (best && rest) rest->assign(path.parts.begin() + static_cast<std::ptrdiff_t>(best->guest.size()), path.parts.end());
  return best;
}

namespace {

int retryOpenat(int dirFd, const char* name, int flags, mode_t mode) {
  int fd;
  do fd = ::openat(dirFd, name, flags, mode);
  while (fd < 0 && errno == EINTR);
  return fd;
}

// One openat(O_NOFOLLOW) per component; every directory on the way is
// checked to be a directory and not a symbolic link.
int openByComponents(int dirFd, const std::vector<std::string>& parts, int flags, mode_t mode) {
  if (parts.empty()) {
    int fd = retryOpenat(dirFd, ".", flags, mode);
    return fd < 0 ? -errno : fd;
  }
  int current = dirFd;
  auto release = [&] {
    if (current != dirFd) ::close(current);
  };
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    int next = retryOpenat(current, parts[i].c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    if (next < 0) {
      int error = errno;
      release();
      return -error;
    }
    release();
    current = next;
    struct stat st;
    if (::fstat(current, &st) != 0) {
      int error = errno;
      release();
      return -error;
    }
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
      release();
      return S_ISLNK(st.st_mode) ? -ELOOP : -ENOTDIR;
    }
  }
  int fd = retryOpenat(current, parts.back().c_str(), flags | O_NOFOLLOW, mode);
  int error = fd < 0 ? errno : 0;
  release();
  return fd < 0 ? -error : fd;
}

}  // namespace

int openBeneath(int dirFd, const std::vector<std::string>& parts, int flags, bool allowOpenat2) {
  flags |= O_CLOEXEC | O_NOCTTY;
  mode_t mode = (flags & O_CREAT) ? 0666 : 0;
  for (const std::string& part : parts)
    if (part.empty() || part == "." || part == ".." || part.find('/') != std::string::npos) return -EINVAL;
  if (allowOpenat2) {
    std::string joined;
    for (const std::string& part : parts) joined += (joined.empty() ? "" : "/") + part;
    // push_back rather than = ".": GCC 12 at -O2 with -fsanitize=thread
    // warns (-Wrestrict, a false positive, GCC PR 105651) about the latter.
    if (joined.empty()) joined.push_back('.');
    open_how how{};
    how.flags = static_cast<uint64_t>(flags);
    how.mode = mode;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 16; ++attempt) {
      long fd = ::syscall(SYS_openat2, dirFd, joined.c_str(), &how, sizeof how);
      if (fd >= 0) return static_cast<int>(fd);
      // EAGAIN: a concurrent rename made the kernel unsure; try again.
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno != ENOSYS) return -errno;
      break;  // no openat2 (old kernel, or a seccomp filter): fall back
    }
  }
  return openByComponents(dirFd, parts, flags, mode);
}

OpenResult openFile(const std::vector<OpenGrant>& grants, const Url& url) {
  OpenResult result;
  SplitPath path = splitPath(url.path);
  if (path.escapes) {
    result.error = kDaggerPermissionDenied;
    return result;
  }
  std::vector<std::string> rest;
  const OpenGrant* grant = findGrant(grants, path, &rest);
  if (!grant || grant->dirFd < 0 || (grant->readOnly && modeWrites(url.mode))) {
    result.error = kDaggerPermissionDenied;
    return result;
  }
  int flags = 0;
  bool append = false;
  switch (url.mode) {
    case FileMode::Read: flags = O_RDONLY; break;
    case FileMode::ReadPlus: flags = O_RDWR; break;
    case FileMode::Write: flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case FileMode::WritePlus: flags = O_RDWR | O_CREAT | O_TRUNC; break;
    case FileMode::Append: flags = O_WRONLY | O_CREAT; append = true; break;
    case FileMode::AppendPlus: flags = O_RDWR | O_CREAT; append = true; break;
  }
  // O_NONBLOCK: a FIFO must not block the open (it is refused below).
  int fd = openBeneath(grant->dirFd, rest, flags | O_NONBLOCK);
  if (fd < 0) {
    result.error = errorFromHost(-fd);
    return result;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    result.error = kDaggerUnsupported;  // a directory, FIFO, device, socket
    return result;
  }
  int status = ::fcntl(fd, F_GETFL);
  if (status >= 0) ::fcntl(fd, F_SETFL, status & ~O_NONBLOCK);
  std::shared_ptr<io::Array> array = io::fileArray(fd);
  result.stream = std::make_unique<io::ArrayCursor>(std::move(array), append);
  result.readable = url.mode != FileMode::Write && url.mode != FileMode::Append;
  result.writable = url.mode != FileMode::Read;
  return result;
}

}  // namespace kiln::dagger
