// WASI: the path_* functions. Every path is resolved beneath a directory
// descriptor by resolvePath (wasi_path.h), which hands back the parent
// directory's host descriptor and the last component; the operation itself
// is then one *at call that does not follow a final symlink.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "rt_store.h"
#include "rt_wasi.h"
#include "wasi_path.h"

namespace kiln::wasi {
namespace {

constexpr uint32_t kLookupSymlinkFollow = 1;

constexpr uint32_t kOflagCreat = 1;
constexpr uint32_t kOflagDirectory = 2;
constexpr uint32_t kOflagExcl = 4;
constexpr uint32_t kOflagTrunc = 8;

// How resolveAt treats a final symlink.
enum class Final {
  Keep,            // the link itself (unlink, rename, readlink, ...)
  Follow,          // what it points to
  FollowIfSlash,   // the link itself, unless the path ends in '/' (POSIX: "link/" means its target)
};

// A directory without a right that a path function needs, a read-only
// grant's included: EPERM. Wasmtime says EPERM where a directory does not
// allow a change (a read-only preopen) and its older wasi-common said EPERM
// for every missing directory right; the older wasi-testsuite accepts only
// EPERM for O_TRUNC without path_filestat_set_size (truncation_rights).
int32_t checkDirectoryRights(const Descriptor& d, uint64_t rights) {
  return (d.rightsBase & rights) == rights ? kSuccess : kEperm;
}

// The directory descriptor `fd` with `rights`, and the guest's path
// resolved beneath it. A descriptor that is open but not a directory is
// EBADF, as in Wasmtime (path_open says ENOTDIR for a file, see pathOpen).
int32_t resolveAt(kiln_vmctx* vmctx, int32_t fd, uint64_t rights, int32_t pathPtr, int32_t pathLen, Final final,
                  ResolvedPath* out) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  if (d->kind != Descriptor::Kind::Directory) return kEbadf;
  if (int32_t e = checkDirectoryRights(*d, rights)) return e;
  GuestMemory mem(vmctx);
  std::string path;
  if (int32_t e = guestPath(mem, u32(pathPtr), u32(pathLen), &path)) return e;
  const bool follow = final == Final::Follow || (final == Final::FollowIfSlash && !path.empty() && path.back() == '/');
  return resolvePath(d->directory->fd, path, follow, out);
}

// For a path that ended in '/': ENOTDIR unless it names a directory (or
// nothing, when `mayBeMissing`).
int32_t checkDirectoryTarget(const ResolvedPath& p, bool mayBeMissing) {
  if (!p.mustBeDirectory) return kSuccess;
  struct stat st;
  if (::fstatat(p.dirFd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return (errno == ENOENT && mayBeMissing) ? kSuccess : errnoFromHost(errno);
  return S_ISDIR(st.st_mode) ? kSuccess : kEnotdir;
}

// For a name to be created (a link, a symlink) that ended in '/', resolved
// with Final::FollowIfSlash: it must name a directory, which then exists.
// ENOENT when nothing is there, EEXIST for a directory, ENOTDIR for anything
// else (Wasmtime's, through cap-std, which opens such a name as a directory).
int32_t newNameWithSlash(const ResolvedPath& p) {
  struct stat st;
  if (::fstatat(p.dirFd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errnoFromHost(errno);
  return S_ISDIR(st.st_mode) ? kEexist : kEnotdir;
}

// How often an open for writing looks again for a FIFO's reader.
constexpr int64_t kFifoRetryNs = 10'000'000;

// Opens p with `flags` (O_NONBLOCK among them when the guest asked for
// it), retrying after signals. Opening a FIFO waits for the other end
// without limit, so every open is made non-blocking and the waiting done
// here, where the store's interrupts and deadline end it: a FIFO opened
// for reading needs no writer yet (its reads wait for one), one opened for
// writing is tried again every kFifoRetryNs until a reader comes. Then
// O_NONBLOCK goes again, unless the guest asked for it. Returns the host
// fd, or -1 with errno set, or kInterruptedCall.
int openWaiting(kiln_vmctx* vmctx, const ResolvedPath& p, int flags) {
  const bool nonblock = flags & O_NONBLOCK;
  int hostFd;
  for (;;) {
    hostFd = ::openat(p.dirFd, p.name.c_str(), flags | O_NONBLOCK, 0666);
    if (hostFd >= 0 || nonblock) break;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      // A lease on a regular file: a blocking open waits for its break,
      // which the kernel bounds (lease-break-time).
      do hostFd = ::openat(p.dirFd, p.name.c_str(), flags, 0666);
      while (hostFd < 0 && errno == EINTR);
      return hostFd;
    }
    // ENXIO: a FIFO with no reader yet (or a socket, which never opens).
    const int error = errno;
    struct stat st;
    if (error != ENXIO || ::fstatat(p.dirFd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISFIFO(st.st_mode)) {
      errno = error;
      break;
    }
    int waitError = 0;
    rt::WaitStatus waited = rt::waitForHost(vmctx, nullptr, 0, kFifoRetryNs, &waitError);
    if (waited == rt::WaitStatus::Interrupted) return kInterruptedCall;
    if (waited == rt::WaitStatus::Error) {
      errno = waitError;
      break;
    }
  }
  if (hostFd >= 0 && !nonblock) {
    int status = ::fcntl(hostFd, F_GETFL);
    if (status >= 0 && (status & O_NONBLOCK)) ::fcntl(hostFd, F_SETFL, status & ~O_NONBLOCK);
  }
  return hostFd;
}

int32_t pathOpen(kiln_vmctx* vmctx, int32_t fd, int32_t dirflags, int32_t path, int32_t pathLen, int32_t oflags,
                 int64_t rightsBase, int64_t rightsInheriting, int32_t fdflags, int32_t openedFdPtr) {
  const uint32_t o = u32(oflags);
  uint64_t needed = kRightPathOpen;
  if (o & kOflagCreat) needed |= kRightPathCreateFile;
  if (o & kOflagTrunc) needed |= kRightPathFilestatSetSize;
  Descriptor* dir = descriptorOf(vmctx, fd);
  if (!dir) return kEbadf;
  // A file (or anything else path_open opened) as the directory: ENOTDIR, as
  // openat(2) and Wasmtime say; stdio: EBADF, as Wasmtime says. The other
  // path functions say EBADF for both (see resolveAt).
  if (dir->kind != Descriptor::Kind::Directory) return dir->stdio ? kEbadf : kEnotdir;
  if (int32_t e = checkDirectoryRights(*dir, needed)) return e;
  GuestMemory mem(vmctx);
  if (!mem.valid(u32(openedFdPtr), 4)) return kEfault;
  if (o & ~0xfu) return kEinval;
  if (u32(fdflags) & ~uint32_t{kFdflagsAll}) return kEinval;
  // O_DIRECTORY opens what exists, as it is: with O_CREAT, O_EXCL or
  // O_TRUNC it is EINVAL (Wasmtime), whatever the path names.
  if ((o & kOflagDirectory) && (o & (kOflagCreat | kOflagExcl | kOflagTrunc))) return kEinval;
  // New descriptors get at most what the directory passes on: asking for
  // more is EPERM, like any right the directory lacks (a write right on a
  // read-only grant: Wasmtime says EPERM too).
  const auto base = static_cast<uint64_t>(rightsBase);
  const auto inheriting = static_cast<uint64_t>(rightsInheriting);
  if ((base | inheriting) & ~dir->rightsInheriting) return kEperm;

  // O_CREAT|O_EXCL never follows a final symlink: a link there means the
  // name exists (EEXIST), as POSIX says.
  const bool exclusive = (o & kOflagCreat) && (o & kOflagExcl);
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, needed, path, pathLen,
                            (u32(dirflags) & kLookupSymlinkFollow) && !exclusive ? Final::Follow : Final::FollowIfSlash,
                            &p))
    return e;
  if (p.mustBeDirectory && (o & kOflagCreat)) return kEisdir;

  const bool read = base & (kRightFdRead | kRightFdReaddir);
  const bool write = base & (kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize);
  // A directory is never opened for writing: asking for fd_write on one is
  // EISDIR, with O_DIRECTORY or a trailing '/' too (POSIX open(2), and
  // Wasmtime). The other write rights only mean something for a file; a
  // directory opened with them is opened for reading (and they are dropped).
  const bool writeData = base & kRightFdWrite;
  const bool wantDirectory = (o & kOflagDirectory) || p.mustBeDirectory;
  int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
  if (wantDirectory)
    flags |= O_RDONLY | O_DIRECTORY;
  else if (read && write)
    flags |= O_RDWR;
  else if (write)
    flags |= O_WRONLY;
  else
    flags |= O_RDONLY;
  if (o & kOflagCreat) flags |= O_CREAT;
  if (o & kOflagExcl) flags |= O_EXCL;
  if (o & kOflagTrunc) flags |= O_TRUNC;
  if (u32(fdflags) & kFdflagNonblock) flags |= O_NONBLOCK;
  // dsync/sync are kept as descriptor flags and applied after each write
  // (fd_write), so that fd_fdstat_set_flags can change them too.

  int hostFd = openWaiting(vmctx, p, flags);
  if (hostFd == kInterruptedCall) return kInterruptedCall;
  if (hostFd < 0 && errno == EISDIR && !wantDirectory && !writeData && !(o & (kOflagCreat | kOflagTrunc))) {
    // A directory, with write rights that are a file's only.
    flags = (flags & ~O_ACCMODE) | O_RDONLY | O_DIRECTORY;
    hostFd = openWaiting(vmctx, p, flags);
    if (hostFd == kInterruptedCall) return kInterruptedCall;
  }
  if (hostFd < 0 && errno == EACCES && !read && !write && !(o & (kOflagCreat | kOflagTrunc))) {
    // Neither read nor write asked for (stat, timestamps, a directory to
    // resolve beneath): a path descriptor needs no permission to read.
    hostFd = ::openat(p.dirFd, p.name.c_str(), O_PATH | O_CLOEXEC | O_NOFOLLOW | (flags & O_DIRECTORY));
  }
  if (hostFd < 0) return errnoFromHost(errno);

  struct stat st;
  if (::fstat(hostFd, &st) != 0) {
    int error = errno;
    ::close(hostFd);
    return errnoFromHost(error);
  }
  if (S_ISDIR(st.st_mode) && writeData) {
    ::close(hostFd);
    return kEisdir;
  }
  Descriptor d;
  d.filetype = filetypeOf(st.st_mode);
  d.hostFd = hostFd;
  d.fdflags = static_cast<uint16_t>(fdflags);
  d.rightsInheriting = inheriting;
  if (S_ISDIR(st.st_mode)) {
    d.kind = Descriptor::Kind::Directory;
    d.directory = std::make_shared<Directory>(hostFd);
    d.rightsBase = base & kDirectoryRights;
    d.fdflags &= static_cast<uint16_t>(~kFdflagAppend);
  } else if (S_ISREG(st.st_mode)) {
    d.kind = Descriptor::Kind::File;
    d.file = std::make_shared<io::ArrayCursor>(io::fileArray(hostFd), (u32(fdflags) & kFdflagAppend) != 0);
    d.rightsBase = base & kFileRights;
  } else {
    d.kind = Descriptor::Kind::Stream;
    d.stream = io::fdStream(hostFd, true);
    d.rightsBase = base & kStreamRights;
    if (S_ISSOCK(st.st_mode)) d.rightsBase |= base & (kRightSockShutdown | kRightSockAccept);
  }
  std::optional<uint32_t> number = stateOf(vmctx)->fds.insert(std::move(d));
  if (!number) return kEmfile;  // the descriptor (and its host fd) went away with `d`
  mem.storeU32(u32(openedFdPtr), *number);
  return kSuccess;
}

}  // namespace

// A thin wrapper (rt_wasi.h): opening a FIFO may wait.
int32_t path_open(kiln_vmctx* vmctx, int32_t fd, int32_t dirflags, int32_t path, int32_t pathLen, int32_t oflags,
                  int64_t rightsBase, int64_t rightsInheriting, int32_t fdflags, int32_t openedFdPtr) {
  return endIfInterrupted(vmctx,
                          pathOpen(vmctx, fd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags,
                                   openedFdPtr),
                          kEintr);
}

int32_t path_filestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t path, int32_t pathLen,
                          int32_t statPtr) {
  GuestMemory mem(vmctx);
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathFilestatGet, path, pathLen,
                            (u32(flags) & kLookupSymlinkFollow) ? Final::Follow : Final::FollowIfSlash, &p))
    return e;
  if (!mem.valid(u32(statPtr), 64)) return kEfault;
  struct stat st;
  if (::fstatat(p.dirFd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errnoFromHost(errno);
  if (p.mustBeDirectory && !S_ISDIR(st.st_mode)) return kEnotdir;
  storeFilestat(mem, u32(statPtr), st);
  return kSuccess;
}

int32_t path_filestat_set_times(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t path, int32_t pathLen,
                                int64_t atim, int64_t mtim, int32_t fstFlags) {
  timespec times[2];
  if (int32_t e = timesFromFlags(atim, mtim, fstFlags, times)) return e;
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathFilestatSetTimes, path, pathLen,
                            (u32(flags) & kLookupSymlinkFollow) ? Final::Follow : Final::FollowIfSlash, &p))
    return e;
  if (int32_t e = checkDirectoryTarget(p, false)) return e;
  if (::utimensat(p.dirFd, p.name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_create_directory(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen) {
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathCreateDirectory, path, pathLen, Final::Keep, &p)) return e;
  if (::mkdirat(p.dirFd, p.name.c_str(), 0777) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_remove_directory(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen) {
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathRemoveDirectory, path, pathLen, Final::Keep, &p)) return e;
  if (::unlinkat(p.dirFd, p.name.c_str(), AT_REMOVEDIR) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_unlink_file(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen) {
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathUnlinkFile, path, pathLen, Final::Keep, &p)) return e;
  if (p.mustBeDirectory) {
    // "file/" names no file; "dir/" is a directory, which unlink refuses.
    struct stat st;
    if (::fstatat(p.dirFd, p.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errnoFromHost(errno);
    return S_ISDIR(st.st_mode) ? kEisdir : kEnotdir;
  }
  if (::unlinkat(p.dirFd, p.name.c_str(), 0) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_rename(kiln_vmctx* vmctx, int32_t fd, int32_t oldPath, int32_t oldPathLen, int32_t newFd,
                    int32_t newPath, int32_t newPathLen) {
  ResolvedPath from, to;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathRenameSource, oldPath, oldPathLen, Final::Keep, &from)) return e;
  if (int32_t e = resolveAt(vmctx, newFd, kRightPathRenameTarget, newPath, newPathLen, Final::Keep, &to)) return e;
  if (from.mustBeDirectory || to.mustBeDirectory) {
    // A trailing '/' on either name: only directories move.
    ResolvedPath source;
    source.dirFd = from.dirFd;
    source.name = from.name;
    source.mustBeDirectory = true;
    if (int32_t e = checkDirectoryTarget(source, false)) return e;
  }
  if (::renameat(from.dirFd, from.name.c_str(), to.dirFd, to.name.c_str()) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_link(kiln_vmctx* vmctx, int32_t oldFd, int32_t oldFlags, int32_t oldPath, int32_t oldPathLen,
                  int32_t newFd, int32_t newPath, int32_t newPathLen) {
  ResolvedPath from, to;
  if (int32_t e = resolveAt(vmctx, oldFd, kRightPathLinkSource, oldPath, oldPathLen,
                            (u32(oldFlags) & kLookupSymlinkFollow) ? Final::Follow : Final::FollowIfSlash, &from))
    return e;
  if (int32_t e = resolveAt(vmctx, newFd, kRightPathLinkTarget, newPath, newPathLen, Final::FollowIfSlash, &to))
    return e;
  if (from.mustBeDirectory) {
    // Directories cannot be hard-linked (EPERM, as linkat says); a file
    // with a '/' is no file.
    struct stat st;
    if (::fstatat(from.dirFd, from.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errnoFromHost(errno);
    return S_ISDIR(st.st_mode) ? kEperm : kEnotdir;
  }
  if (to.mustBeDirectory) return newNameWithSlash(to);
  // Flags 0: the kernel links a final symlink itself, never its target.
  if (::linkat(from.dirFd, from.name.c_str(), to.dirFd, to.name.c_str(), 0) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_symlink(kiln_vmctx* vmctx, int32_t oldPath, int32_t oldPathLen, int32_t fd, int32_t newPath,
                     int32_t newPathLen) {
  GuestMemory mem(vmctx);
  std::string contents;
  ResolvedPath p;
  if (int32_t e = resolveAt(vmctx, fd, kRightPathSymlink, newPath, newPathLen, Final::FollowIfSlash, &p)) return e;
  if (int32_t e = guestPath(mem, u32(oldPath), u32(oldPathLen), &contents)) return e;
  if (contents.empty()) return kEnoent;
  // An absolute link would name a host path: the guest has no business
  // making one (and resolution never follows one). EPERM, as for any path
  // that leaves the directory (Wasmtime's cap-std refuses it so too).
  if (contents.front() == '/') return kEperm;
  if (p.mustBeDirectory) return newNameWithSlash(p);
  if (::symlinkat(contents.c_str(), p.dirFd, p.name.c_str()) != 0) return errnoFromHost(errno);
  return kSuccess;
}

int32_t path_readlink(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen, int32_t buf, int32_t bufLen,
                      int32_t bufusedPtr) {
  GuestMemory mem(vmctx);
  ResolvedPath p;
  // "link/" names what the link points to (POSIX), which is no link:
  // EINVAL for a directory, ENOTDIR for anything else.
  if (int32_t e = resolveAt(vmctx, fd, kRightPathReadlink, path, pathLen, Final::FollowIfSlash, &p)) return e;
  if (!mem.valid(u32(buf), u32(bufLen)) || !mem.valid(u32(bufusedPtr), 4)) return kEfault;
  if (int32_t e = checkDirectoryTarget(p, false)) return e;
  char target[PATH_MAX];
  ssize_t n = ::readlinkat(p.dirFd, p.name.c_str(), target, sizeof target);
  if (n < 0) return errnoFromHost(errno);
  // A buffer too small gets the beginning of the target.
  size_t copied = static_cast<size_t>(n) < u32(bufLen) ? static_cast<size_t>(n) : u32(bufLen);
  std::memcpy(mem.at(u32(buf)), target, copied);
  mem.storeU32(u32(bufusedPtr), static_cast<uint32_t>(copied));
  return kSuccess;
}

}  // namespace kiln::wasi
