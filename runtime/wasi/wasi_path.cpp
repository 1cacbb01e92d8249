// Sandboxed path resolution beneath a directory descriptor, and directory
// listings for fd_readdir. See wasi_path.h for the rules.
#include "wasi_path.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>

namespace kiln::wasi {

OwnedFd::~OwnedFd() {
  if (fd_ >= 0) ::close(fd_);
}

OwnedFd& OwnedFd::operator=(OwnedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

namespace {

// Splits at '/', dropping empty components ("a//b") but keeping "." and
// "..", which the walk handles.
void splitInto(std::string_view path, std::deque<std::string>* out, bool atFront) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (atFront)
    out->insert(out->begin(), parts.begin(), parts.end());
  else
    out->insert(out->end(), parts.begin(), parts.end());
}

// The target of the symlink `name` in `dirFd`; false when it is not a
// symlink (or cannot be read, which the operation will then report).
// *error is set (to a WASI errno) when the link exists but is unusable.
bool readLink(int dirFd, const std::string& name, std::string* target, int32_t* error) {
  char buffer[PATH_MAX];
  ssize_t n = ::readlinkat(dirFd, name.c_str(), buffer, sizeof buffer);
  if (n < 0) return false;
  if (static_cast<size_t>(n) >= sizeof buffer) {
    *error = kEnametoolong;
    return true;
  }
  target->assign(buffer, static_cast<size_t>(n));
  return true;
}

}  // namespace

int32_t resolvePath(int rootFd, std::string_view path, bool followFinal, ResolvedPath* out) {
  if (path.empty()) return kEnoent;
  if (path.front() == '/') return kEperm;
  if (path.find('\0') != std::string_view::npos) return kEinval;

  std::deque<std::string> pending;
  splitInto(path, &pending, false);
  bool mustBeDirectory = path.back() == '/';
  // The directories walked into, below rootFd; ".." pops one.
  std::vector<OwnedFd> stack;
  int symlinks = 0;
  auto current = [&]() { return stack.empty() ? rootFd : stack.back().get(); };

  // Splices a symlink's target into the walk; kSuccess or an errno.
  auto follow = [&](const std::string& target) -> int32_t {
    if (++symlinks > kMaxSymlinks) return kEloop;
    if (target.empty()) return kEnoent;
    if (target.front() == '/') return kEperm;
    if (pending.empty() && target.back() == '/') mustBeDirectory = true;
    splitInto(target, &pending, true);
    return kSuccess;
  };

  std::string finalName = ".";
  while (!pending.empty()) {
    std::string component = std::move(pending.front());
    pending.pop_front();
    const bool last = pending.empty();
    if (component == ".") continue;
    if (component == "..") {
      if (stack.empty()) return kEperm;
      stack.pop_back();
      continue;
    }
    if (component.size() > NAME_MAX) return kEnametoolong;
    if (last && !followFinal) {
      finalName = std::move(component);
      break;
    }
    if (last) {
      // Follow a final symlink; anything else is the operation's target.
      std::string target;
      int32_t error = kSuccess;
      if (readLink(current(), component, &target, &error)) {
        if (error != kSuccess) return error;
        if (int32_t e = follow(target); e != kSuccess) return e;
        continue;
      }
      finalName = std::move(component);
      break;
    }
    int fd = ::openat(current(), component.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      stack.emplace_back(fd);
      continue;
    }
    int hostError = errno;
    if (hostError == ENOTDIR || hostError == ELOOP) {
      std::string target;
      int32_t error = kSuccess;
      if (readLink(current(), component, &target, &error)) {
        if (error != kSuccess) return error;
        if (int32_t e = follow(target); e != kSuccess) return e;
        continue;
      }
      return kEnotdir;
    }
    return errnoFromHost(hostError);
  }

  if (!stack.empty()) {
    out->parent = std::move(stack.back());
    stack.pop_back();
    out->dirFd = out->parent.get();
  } else {
    out->parent = OwnedFd();
    out->dirFd = rootFd;
  }
  out->name = std::move(finalName);
  out->mustBeDirectory = mustBeDirectory;
  return kSuccess;
}

namespace {

uint8_t filetypeOfDirentType(unsigned char type) {
  switch (type) {
    case DT_BLK: return kFiletypeBlockDevice;
    case DT_CHR: return kFiletypeCharacterDevice;
    case DT_DIR: return kFiletypeDirectory;
    case DT_REG: return kFiletypeRegularFile;
    case DT_SOCK: return kFiletypeSocketStream;
    case DT_LNK: return kFiletypeSymbolicLink;
    default: return kFiletypeUnknown;
  }
}

}  // namespace

int32_t listDirectory(int dirFd, std::vector<DirEntry>* out) {
  // A fresh descriptor of its own: its position is the listing's, and the
  // guest's descriptor may be O_PATH.
  int fd = ::openat(dirFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoFromHost(errno);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    int error = errno;
    ::close(fd);
    return errnoFromHost(error);
  }
  out->clear();
  for (;;) {
    errno = 0;
    struct dirent* entry = ::readdir(dir);
    if (!entry) {
      int error = errno;
      ::closedir(dir);
      return error == 0 ? kSuccess : errnoFromHost(error);
    }
    DirEntry e;
    e.ino = entry->d_ino;
    e.name = entry->d_name;
    e.type = filetypeOfDirentType(entry->d_type);
    if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_FIFO) {
      struct stat st;
      if (::fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) e.type = filetypeOf(st.st_mode);
    }
    out->push_back(std::move(e));
  }
}

size_t encodeDirents(std::span<const DirEntry> entries, uint64_t cookie, std::span<uint8_t> out) {
  size_t used = 0;
  for (uint64_t i = cookie; i < entries.size() && used < out.size(); ++i) {
    const DirEntry& e = entries[i];
    uint8_t header[kDirentHeaderSize] = {};
    const uint64_t next = i + 1;
    const uint32_t namlen = static_cast<uint32_t>(e.name.size());
    std::memcpy(header + 0, &next, 8);
    std::memcpy(header + 8, &e.ino, 8);
    std::memcpy(header + 16, &namlen, 4);
    header[20] = e.type;
    size_t n = std::min(sizeof header, out.size() - used);
    std::memcpy(out.data() + used, header, n);
    used += n;
    n = std::min(e.name.size(), out.size() - used);
    std::memcpy(out.data() + used, e.name.data(), n);
    used += n;
  }
  return used;
}

}  // namespace kiln::wasi
