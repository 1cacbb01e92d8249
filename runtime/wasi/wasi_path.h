// Sandboxed path resolution and directory listing for WASI: no host path
// string is ever built; a guest path is walked one component at a time
// beneath a directory descriptor. Kept free of guest memory and instances so
// that tests/unit/wasi_test.cpp can drive it directly.
//
// The rules (a path that would leave the starting directory is EPERM, as in
// Wasmtime, whose cap-std says EPERM for an escape attempt):
// - Absolute paths are refused (EPERM): a guest names files relative to a
//   descriptor it holds.
// - Each directory component is opened with openat(current, name,
//   O_PATH | O_DIRECTORY | O_NOFOLLOW): the kernel never follows a symlink
//   for us, so a link swapped in by a racing host process cannot lead out.
// - A symlink is followed here: its target (readlinkat) is spliced into the
//   remaining components. An absolute target is refused (EPERM); more
//   than kMaxSymlinks links on one path is ELOOP.
// - ".." pops the stack of directories walked so far and never asks the
//   kernel, so it can never climb above the starting directory: ".." there
//   is EPERM. Renaming directories on the host mid-walk changes
//   nothing, since the walk holds descriptors, not names.
// - The last component is handed back (with its parent's descriptor) for
//   the operation itself, which uses the *at call with "don't follow"
//   semantics (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, linkat without
//   AT_SYMLINK_FOLLOW, ...). When the caller asks to follow a final
//   symlink, it is followed here first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rt_wasi.h"

namespace kiln::wasi {

// A host descriptor that closes itself.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd();
  OwnedFd(OwnedFd&& other) noexcept : fd_(other.release()) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Symlinks followed on one path at most (Linux's own limit).
inline constexpr int kMaxSymlinks = 40;

// Where a guest path leads: the directory that holds the last component
// (`dirFd`: `parent` when the walk opened one, else the starting directory)
// and the component itself: a plain name, or "." when the path ends at a
// directory ("a/..", ".", "a/.").
struct ResolvedPath {
  OwnedFd parent;
  int dirFd = -1;
  std::string name;
  // The guest path ended in '/' (or a followed link's target did): the
  // target must be a directory, which the operation checks. The '/' is not
  // part of `name` (passed on, it would make the kernel follow a final
  // symlink).
  bool mustBeDirectory = false;
};

// Resolves `path` beneath the directory `rootFd` (the descriptor's host fd,
// not closed). `followFinal`: follow a symlink in the last component.
// Returns kSuccess or a WASI errno.
int32_t resolvePath(int rootFd, std::string_view path, bool followFinal, ResolvedPath* out);

// Lists a directory (including "." and ".."), in the host's order. Returns
// kSuccess or a WASI errno.
int32_t listDirectory(int dirFd, std::vector<DirEntry>* out);

// fd_readdir's encoding: the entries from index `cookie` on, each a 24-byte
// dirent {d_next (the next cookie), d_ino, d_namlen, d_type} followed by
// its name, packed into `out`. When an entry does not fit, as much of it as
// fits is written and the buffer is full (the spec's signal that the guest
// should retry with a larger buffer). Returns the bytes used.
size_t encodeDirents(std::span<const DirEntry> entries, uint64_t cookie, std::span<uint8_t> out);

inline constexpr size_t kDirentHeaderSize = 24;

}  // namespace kiln::wasi
