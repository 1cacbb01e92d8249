// WASI preview 1 ("wasi_snapshot_preview1"): shared definitions for the
// host functions in this folder.
//
//   rt_wasi.h              this: the state, errno and rights values, guest memory
//   wasi_descriptors.cpp   the descriptor table (stdio, preopens, opened files)
//   wasi_path.h/.cpp       sandboxed path resolution beneath a preopen; readdir
//   wasi_env.cpp           args, environ, clocks, random, proc_exit, sched_yield
//   wasi_fd.cpp            fd_* functions
//   wasi_path_ops.cpp      path_* functions
//   wasi_poll.cpp          poll_oneoff
//   wasi_sock.cpp          sock_* functions
//   wasi_functions.cpp     the import table, makeWasiState, wasiResolver
//   wasi_command.cpp       runWasiCommand
//
// Host functions have the compiled-code convention: the importing instance's
// vmctx first, then the wasm parameters (i32 -> int32_t, i64 -> int64_t).
// Every guest (pointer, length) range is checked against the caller's
// memory before the host touches it; a bad one returns EFAULT.
//
// WASI descriptors are views of the I/O core (runtime/io/io.h): a stream
// descriptor holds an io::Stream (stdio, pipes, devices), a file descriptor
// an io::ArrayCursor over an io::fileArray, a directory descriptor a host
// directory fd that path functions resolve beneath (wasi_path.h).
#pragma once

#include <sys/stat.h>
#include <time.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../io/io.h"
#include "kiln/kiln.hpp"

namespace kiln {
namespace wasi {

// WASI errno values (witx `errno`).
enum Errno : int32_t {
  kSuccess = 0,
  kE2big = 1,
  kEacces = 2,
  kEaddrinuse = 3,
  kEaddrnotavail = 4,
  kEafnosupport = 5,
  kEagain = 6,
  kEalready = 7,
  kEbadf = 8,
  kEbadmsg = 9,
  kEbusy = 10,
  kEcanceled = 11,
  kEchild = 12,
  kEconnaborted = 13,
  kEconnrefused = 14,
  kEconnreset = 15,
  kEdeadlk = 16,
  kEdestaddrreq = 17,
  kEdom = 18,
  kEdquot = 19,
  kEexist = 20,
  kEfault = 21,
  kEfbig = 22,
  kEhostunreach = 23,
  kEidrm = 24,
  kEilseq = 25,
  kEinprogress = 26,
  kEintr = 27,
  kEinval = 28,
  kEio = 29,
  kEisconn = 30,
  kEisdir = 31,
  kEloop = 32,
  kEmfile = 33,
  kEmlink = 34,
  kEmsgsize = 35,
  kEmultihop = 36,
  kEnametoolong = 37,
  kEnetdown = 38,
  kEnetreset = 39,
  kEnetunreach = 40,
  kEnfile = 41,
  kEnobufs = 42,
  kEnodev = 43,
  kEnoent = 44,
  kEnoexec = 45,
  kEnolck = 46,
  kEnolink = 47,
  kEnomem = 48,
  kEnomsg = 49,
  kEnoprotoopt = 50,
  kEnospc = 51,
  kEnosys = 52,
  kEnotconn = 53,
  kEnotdir = 54,
  kEnotempty = 55,
  kEnotrecoverable = 56,
  kEnotsock = 57,
  kEnotsup = 58,
  kEnotty = 59,
  kEnxio = 60,
  kEoverflow = 61,
  kEownerdead = 62,
  kEperm = 63,
  kEpipe = 64,
  kEproto = 65,
  kEprotonosupport = 66,
  kEprototype = 67,
  kErange = 68,
  kErofs = 69,
  kEspipe = 70,
  kEsrch = 71,
  kEstale = 72,
  kEtimedout = 73,
  kEtxtbsy = 74,
  kExdev = 75,
  kEnotcapable = 76,
};

// A host errno as a WASI errno (EIO for the ones WASI has no name for).
int32_t errnoFromHost(int hostErrno);

// witx `filetype`.
enum Filetype : uint8_t {
  kFiletypeUnknown = 0,
  kFiletypeBlockDevice = 1,
  kFiletypeCharacterDevice = 2,
  kFiletypeDirectory = 3,
  kFiletypeRegularFile = 4,
  kFiletypeSocketDgram = 5,
  kFiletypeSocketStream = 6,
  kFiletypeSymbolicLink = 7,
};

// witx `fdflags`.
constexpr uint16_t kFdflagAppend = 1 << 0;
constexpr uint16_t kFdflagDsync = 1 << 1;
constexpr uint16_t kFdflagNonblock = 1 << 2;
constexpr uint16_t kFdflagRsync = 1 << 3;
constexpr uint16_t kFdflagSync = 1 << 4;
constexpr uint16_t kFdflagsAll = 0x1f;

// witx `rights`.
constexpr uint64_t kRightFdDatasync = 1ull << 0;
constexpr uint64_t kRightFdRead = 1ull << 1;
constexpr uint64_t kRightFdSeek = 1ull << 2;
constexpr uint64_t kRightFdFdstatSetFlags = 1ull << 3;
constexpr uint64_t kRightFdSync = 1ull << 4;
constexpr uint64_t kRightFdTell = 1ull << 5;
constexpr uint64_t kRightFdWrite = 1ull << 6;
constexpr uint64_t kRightFdAdvise = 1ull << 7;
constexpr uint64_t kRightFdAllocate = 1ull << 8;
constexpr uint64_t kRightPathCreateDirectory = 1ull << 9;
constexpr uint64_t kRightPathCreateFile = 1ull << 10;
constexpr uint64_t kRightPathLinkSource = 1ull << 11;
constexpr uint64_t kRightPathLinkTarget = 1ull << 12;
constexpr uint64_t kRightPathOpen = 1ull << 13;
constexpr uint64_t kRightFdReaddir = 1ull << 14;
constexpr uint64_t kRightPathReadlink = 1ull << 15;
constexpr uint64_t kRightPathRenameSource = 1ull << 16;
constexpr uint64_t kRightPathRenameTarget = 1ull << 17;
constexpr uint64_t kRightPathFilestatGet = 1ull << 18;
constexpr uint64_t kRightPathFilestatSetSize = 1ull << 19;
constexpr uint64_t kRightPathFilestatSetTimes = 1ull << 20;
constexpr uint64_t kRightFdFilestatGet = 1ull << 21;
constexpr uint64_t kRightFdFilestatSetSize = 1ull << 22;
constexpr uint64_t kRightFdFilestatSetTimes = 1ull << 23;
constexpr uint64_t kRightPathSymlink = 1ull << 24;
constexpr uint64_t kRightPathRemoveDirectory = 1ull << 25;
constexpr uint64_t kRightPathUnlinkFile = 1ull << 26;
constexpr uint64_t kRightPollFdReadwrite = 1ull << 27;
constexpr uint64_t kRightSockShutdown = 1ull << 28;
constexpr uint64_t kRightSockAccept = 1ull << 29;
constexpr uint64_t kRightsAll = (1ull << 30) - 1;

// The rights that mean something for a regular file.
constexpr uint64_t kFileRights = kRightFdDatasync | kRightFdRead | kRightFdSeek | kRightFdFdstatSetFlags |
                                 kRightFdSync | kRightFdTell | kRightFdWrite | kRightFdAdvise | kRightFdAllocate |
                                 kRightFdFilestatGet | kRightFdFilestatSetSize | kRightFdFilestatSetTimes |
                                 kRightPollFdReadwrite;
// ... for a directory.
constexpr uint64_t kDirectoryRights =
    kRightFdDatasync | kRightFdFdstatSetFlags | kRightFdSync | kRightPathCreateDirectory | kRightPathCreateFile |
    kRightPathLinkSource | kRightPathLinkTarget | kRightPathOpen | kRightFdReaddir | kRightPathReadlink |
    kRightPathRenameSource | kRightPathRenameTarget | kRightPathFilestatGet | kRightPathFilestatSetSize |
    kRightPathFilestatSetTimes | kRightFdFilestatGet | kRightFdFilestatSetTimes | kRightPathSymlink |
    kRightPathRemoveDirectory | kRightPathUnlinkFile;
// ... for a stream (a pipe, a character device, a socket).
constexpr uint64_t kStreamRights = kRightFdDatasync | kRightFdRead | kRightFdFdstatSetFlags | kRightFdSync |
                                   kRightFdWrite | kRightFdFilestatGet | kRightPollFdReadwrite;
// Everything that creates, changes or removes a file or directory: what a
// read-only grant (--dir-ro) never carries.
constexpr uint64_t kWriteRights = kRightFdWrite | kRightFdAllocate | kRightFdFilestatSetSize |
                                  kRightFdFilestatSetTimes | kRightPathCreateDirectory | kRightPathCreateFile |
                                  kRightPathLinkSource | kRightPathLinkTarget | kRightPathRenameSource |
                                  kRightPathRenameTarget | kRightPathFilestatSetSize | kRightPathFilestatSetTimes |
                                  kRightPathSymlink | kRightPathRemoveDirectory | kRightPathUnlinkFile;

// An open host directory (a preopen or one the guest opened): owns `fd`.
// fd_readdir lists it from a snapshot taken when the guest starts over
// (cookie 0), so that cookies stay stable while the guest reads on.
struct DirEntry {
  uint64_t ino = 0;
  uint8_t type = kFiletypeUnknown;
  std::string name;
};

struct Directory {
  explicit Directory(int fd) : fd(fd) {}
  ~Directory();
  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;
  int fd;
  std::optional<std::vector<DirEntry>> snapshot;
};

// One guest descriptor.
struct Descriptor {
  enum class Kind { Stream, File, Directory };
  Kind kind = Kind::Stream;
  uint8_t filetype = kFiletypeUnknown;
  uint64_t rightsBase = 0;
  uint64_t rightsInheriting = 0;
  uint16_t fdflags = 0;
  std::shared_ptr<io::Stream> stream;    // Kind::Stream
  std::shared_ptr<io::ArrayCursor> file;  // Kind::File
  std::shared_ptr<Directory> directory;   // Kind::Directory
  // The host descriptor behind it (owned by the object above), for stat,
  // timestamps, sync and poll; -1 when there is none.
  int hostFd = -1;
  // Stream over a host descriptor that kiln does not own (stdio): its flags
  // are shared with other processes, so O_NONBLOCK is emulated, never set.
  // What it is can change under the guest (an embedder may redirect it), so
  // fd_fdstat_get and fd_seek look again (refreshSharedStdio): its rights
  // are then what the host descriptor allows, within rightsLimit (which
  // fd_fdstat_set_rights lowers).
  bool sharedHostFd = false;
  uint64_t rightsLimit = ~uint64_t{0};
  // A preopened directory: the name the guest knows it by.
  std::optional<std::string> preopenName;
  // Descriptors 0-2 as the run set them up (not opened by path_open):
  // path_open through one is EBADF, through any other non-directory ENOTDIR.
  bool stdio = false;
};

// The guest's descriptor table. Numbers are reused lowest-first, as POSIX
// does.
class FdTable {
 public:
  static constexpr uint32_t kMaxDescriptors = 16384;
  Descriptor* get(int32_t fd);
  // The new descriptor's number, or nullopt when the table is full.
  std::optional<uint32_t> insert(Descriptor descriptor);
  bool erase(int32_t fd);
  // fd_renumber: `to` becomes `from` (both must be open).
  bool renumber(int32_t from, int32_t to);
  // Puts a descriptor at a given number (setting up stdio and preopens).
  void place(uint32_t fd, Descriptor descriptor);
  size_t size() const { return slots_.size(); }

 private:
  std::vector<std::optional<Descriptor>> slots_;
};

// The descriptors for this process's fds 0-2 (those that are open).
void addStdio(FdTable& table);
// Descriptors 0-2 as the embedder's streams (WasiOptions::stdio).
void addCallerStdio(FdTable& table, const WasiStdio& stdio);
// For a stdio descriptor: its file type and rights as the host descriptor
// is now. Does nothing for other descriptors.
void refreshSharedStdio(Descriptor& d);
// Opens a preopened directory. Returns 0 or a host errno.
int addPreopen(FdTable& table, const WasiPreopen& preopen);

}  // namespace wasi

struct WasiState {
  std::vector<std::string> args;
  std::vector<std::string> env;
  wasi::FdTable fds;
  std::optional<int> exitCode;
};

namespace wasi {

// The address under which WASI binds its state to an instance (hostEnv).
extern const char kEnvTag;

// The WASI state of the instance that vmctx belongs to, or nullptr for a
// function bound without one (not through wasiResolver) or a vmctx of no
// instance. Such a call reaches nothing: every descriptor is EBADF (stdio
// too), arguments and environment are empty, and proc_exit only ends the
// call. There is no fallback state, per thread or otherwise: a guest's
// descriptors exist only in its own state.
WasiState* stateOf(kiln_vmctx* vmctx);
// Its descriptor `fd`, or nullptr (not open, or no state).
Descriptor* descriptorOf(kiln_vmctx* vmctx, int32_t fd);

// Blocking host calls. A host function that may wait (for a pipe, socket,
// terminal or clock) waits through rt::waitForHost, which gives up when the
// caller's store is interrupted or passes its deadline; the guest must then
// trap with KILN_TRAP_INTERRUPTED. The trap unwinds with siglongjmp and runs
// no destructors, so it cannot happen where the waiting happened: the
// function's body returns kInterruptedCall instead, once everything it
// owned is gone, and the exported function (a thin wrapper holding nothing)
// passes that to endIfInterrupted.

// What a host function's body returns when its wait was ended by the
// store. Neither a WASI errno nor a Dagger result.
constexpr int32_t kInterruptedCall = INT32_MIN;

// Returns `result` unless it is kInterruptedCall; then ends the guest's
// call with KILN_TRAP_INTERRUPTED. When there is no call to end (the
// embedder called the host function directly, outside Store::call) it
// returns `outsideCall` instead.
int32_t endIfInterrupted(kiln_vmctx* vmctx, int32_t result, int32_t outsideCall);

// The Waiter (io.h) host functions hand the I/O core: waits on behalf of
// vmctx's instance, ending when its store is interrupted or past its
// deadline (rt::waitForHost). With a vmctx of no instance it waits without
// limit.
class StoreWaiter final : public io::Waiter {
 public:
  explicit StoreWaiter(kiln_vmctx* vmctx) : vmctx_(vmctx) {}
  int wait(int fd, short events) override;

 private:
  kiln_vmctx* vmctx_;
};

// The caller's linear memory, as the host sees it.
class GuestMemory {
 public:
  explicit GuestMemory(const kiln_vmctx* vmctx)
      : base_(vmctx && vmctx->memory ? vmctx->memory->base : nullptr),
        size_(vmctx && vmctx->memory ? vmctx->memory->size : 0) {}

  // Whether [ptr, ptr + len) lies inside memory.
  bool valid(uint32_t ptr, uint64_t len) const { return uint64_t{ptr} + len <= size_; }
  uint8_t* at(uint32_t ptr) const { return base_ + ptr; }

  // Unaligned little-endian access; callers check valid() first.
  uint32_t loadU32(uint32_t ptr) const {
    uint32_t v;
    std::memcpy(&v, at(ptr), sizeof v);
    return v;
  }
  uint64_t loadU64(uint32_t ptr) const {
    uint64_t v;
    std::memcpy(&v, at(ptr), sizeof v);
    return v;
  }
  uint16_t loadU16(uint32_t ptr) const {
    uint16_t v;
    std::memcpy(&v, at(ptr), sizeof v);
    return v;
  }
  uint8_t loadU8(uint32_t ptr) const { return *at(ptr); }
  void storeU8(uint32_t ptr, uint8_t v) const { *at(ptr) = v; }
  void storeU16(uint32_t ptr, uint16_t v) const { std::memcpy(at(ptr), &v, sizeof v); }
  void storeU32(uint32_t ptr, uint32_t v) const { std::memcpy(at(ptr), &v, sizeof v); }
  void storeU64(uint32_t ptr, uint64_t v) const { std::memcpy(at(ptr), &v, sizeof v); }

 private:
  uint8_t* base_;
  uint64_t size_;
};

inline uint32_t u32(int32_t v) { return static_cast<uint32_t>(v); }

// The caller's descriptor `fd` when it is open and holds every right in
// `rights`; else EBADF, for a missing right too: the fd_* functions answer as
// Wasmtime does (POSIX's EBADF for a read or write the descriptor was not
// opened for, and EBADF for an operation its kind of descriptor cannot do).
// The path functions say EPERM for a right their directory lacks (see
// wasi_path_ops.cpp). Returns kSuccess or the errno.
int32_t lookupFd(kiln_vmctx* vmctx, int32_t fd, uint64_t rights, Descriptor** out);

// A guest iovec array ({u32 buf, u32 len} each) as host spans, every buffer
// checked; nullopt when any part lies outside memory.
std::optional<std::vector<std::span<uint8_t>>> guestIovs(const GuestMemory& mem, uint32_t iovs, uint32_t count);

// A guest path string; EFAULT when outside memory, EINVAL when it holds a
// NUL byte.
int32_t guestPath(const GuestMemory& mem, uint32_t ptr, uint32_t len, std::string* out);

// WASI `filestat` (64 bytes) from a host stat.
void storeFilestat(const GuestMemory& mem, uint32_t ptr, const struct stat& st);
uint8_t filetypeOf(mode_t mode);

// args / environ / clocks / random / proc / sched (wasi_env.cpp)
int32_t args_get(kiln_vmctx* vmctx, int32_t argv, int32_t argvBuf);
int32_t args_sizes_get(kiln_vmctx* vmctx, int32_t argcPtr, int32_t bufSizePtr);
int32_t environ_get(kiln_vmctx* vmctx, int32_t environPtr, int32_t environBuf);
int32_t environ_sizes_get(kiln_vmctx* vmctx, int32_t countPtr, int32_t bufSizePtr);
int32_t clock_res_get(kiln_vmctx* vmctx, int32_t clockId, int32_t resultPtr);
int32_t clock_time_get(kiln_vmctx* vmctx, int32_t clockId, int64_t precision, int32_t resultPtr);
int32_t random_get(kiln_vmctx* vmctx, int32_t buf, int32_t len);
void proc_exit(kiln_vmctx* vmctx, int32_t code);
int32_t proc_raise(kiln_vmctx* vmctx, int32_t signal);
int32_t sched_yield(kiln_vmctx* vmctx);
// The host clock for a WASI clock id.
bool hostClock(int32_t id, clockid_t* clock);

// The two timespecs of utimensat/futimens from WASI's atim, mtim and
// fstflags; EINVAL for contradictory flags (wasi_fd.cpp).
int32_t timesFromFlags(int64_t atim, int64_t mtim, int32_t fstFlags, struct timespec times[2]);

// file descriptors (wasi_fd.cpp)
int32_t fd_advise(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int64_t len, int32_t advice);
int32_t fd_allocate(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int64_t len);
int32_t fd_close(kiln_vmctx* vmctx, int32_t fd);
int32_t fd_datasync(kiln_vmctx* vmctx, int32_t fd);
int32_t fd_fdstat_get(kiln_vmctx* vmctx, int32_t fd, int32_t statPtr);
int32_t fd_fdstat_set_flags(kiln_vmctx* vmctx, int32_t fd, int32_t flags);
int32_t fd_fdstat_set_rights(kiln_vmctx* vmctx, int32_t fd, int64_t base, int64_t inheriting);
int32_t fd_filestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t statPtr);
int32_t fd_filestat_set_size(kiln_vmctx* vmctx, int32_t fd, int64_t size);
int32_t fd_filestat_set_times(kiln_vmctx* vmctx, int32_t fd, int64_t atim, int64_t mtim, int32_t fstFlags);
int32_t fd_pread(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int64_t offset, int32_t nreadPtr);
int32_t fd_pwrite(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int64_t offset, int32_t nwrittenPtr);
int32_t fd_prestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t prestatPtr);
int32_t fd_prestat_dir_name(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen);
int32_t fd_read(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nreadPtr);
int32_t fd_readdir(kiln_vmctx* vmctx, int32_t fd, int32_t buf, int32_t bufLen, int64_t cookie, int32_t bufusedPtr);
int32_t fd_renumber(kiln_vmctx* vmctx, int32_t from, int32_t to);
int32_t fd_seek(kiln_vmctx* vmctx, int32_t fd, int64_t offset, int32_t whence, int32_t newOffsetPtr);
int32_t fd_sync(kiln_vmctx* vmctx, int32_t fd);
int32_t fd_tell(kiln_vmctx* vmctx, int32_t fd, int32_t offsetPtr);
int32_t fd_write(kiln_vmctx* vmctx, int32_t fd, int32_t iovs, int32_t iovsLen, int32_t nwrittenPtr);

// paths (wasi_path_ops.cpp)
int32_t path_create_directory(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen);
int32_t path_filestat_get(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t path, int32_t pathLen,
                          int32_t statPtr);
int32_t path_filestat_set_times(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t path, int32_t pathLen,
                                int64_t atim, int64_t mtim, int32_t fstFlags);
int32_t path_link(kiln_vmctx* vmctx, int32_t oldFd, int32_t oldFlags, int32_t oldPath, int32_t oldPathLen,
                  int32_t newFd, int32_t newPath, int32_t newPathLen);
int32_t path_open(kiln_vmctx* vmctx, int32_t fd, int32_t dirflags, int32_t path, int32_t pathLen, int32_t oflags,
                  int64_t rightsBase, int64_t rightsInheriting, int32_t fdflags, int32_t openedFdPtr);
int32_t path_readlink(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen, int32_t buf, int32_t bufLen,
                      int32_t bufusedPtr);
int32_t path_remove_directory(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen);
int32_t path_rename(kiln_vmctx* vmctx, int32_t fd, int32_t oldPath, int32_t oldPathLen, int32_t newFd,
                    int32_t newPath, int32_t newPathLen);
int32_t path_symlink(kiln_vmctx* vmctx, int32_t oldPath, int32_t oldPathLen, int32_t fd, int32_t newPath,
                     int32_t newPathLen);
int32_t path_unlink_file(kiln_vmctx* vmctx, int32_t fd, int32_t path, int32_t pathLen);

// poll_oneoff (wasi_poll.cpp)
int32_t poll_oneoff(kiln_vmctx* vmctx, int32_t in, int32_t out, int32_t nsubscriptions, int32_t neventsPtr);

// sockets (wasi_sock.cpp)
int32_t sock_accept(kiln_vmctx* vmctx, int32_t fd, int32_t flags, int32_t resultFdPtr);
int32_t sock_recv(kiln_vmctx* vmctx, int32_t fd, int32_t riData, int32_t riDataLen, int32_t riFlags,
                  int32_t roDatalenPtr, int32_t roFlagsPtr);
int32_t sock_send(kiln_vmctx* vmctx, int32_t fd, int32_t siData, int32_t siDataLen, int32_t siFlags,
                  int32_t soDatalenPtr);
int32_t sock_shutdown(kiln_vmctx* vmctx, int32_t fd, int32_t how);

}  // namespace wasi
}  // namespace kiln
