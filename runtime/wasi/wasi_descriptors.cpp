// The WASI descriptor table: stdio, preopened directories, and what the
// guest opens. Also the helpers every function uses to read guest
// arguments (iovecs, paths) and write stat results.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "rt_wasi.h"

namespace kiln {


namespace wasi {

Directory::~Directory() {
  if (fd >= 0) ::close(fd);
}

Descriptor* FdTable::get(int32_t fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd]) return nullptr;
  return &*slots_[fd];
}

std::optional<uint32_t> FdTable::insert(Descriptor descriptor) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i]) {
      slots_[i] = std::move(descriptor);
      return static_cast<uint32_t>(i);
    }
  }
  if (slots_.size() >= kMaxDescriptors) return std::nullopt;
  slots_.emplace_back(std::move(descriptor));
  return static_cast<uint32_t>(slots_.size() - 1);
}

bool FdTable::erase(int32_t fd) {
  if (!get(fd)) return false;
  slots_[fd].reset();
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return true;
}

bool FdTable::renumber(int32_t from, int32_t to) {
  if (!get(from) || !get(to)) return false;
  if (from == to) return true;
  slots_[to] = std::move(slots_[from]);
  slots_[from].reset();
  while (!slots_.empty() && !slots_.back()) slots_.pop_back();
  return true;
}

void FdTable::place(uint32_t fd, Descriptor descriptor) {
  if (slots_.size() <= fd) slots_.resize(fd + 1);
  slots_[fd] = std::move(descriptor);
}

uint8_t filetypeOf(mode_t mode) {
  if (S_ISREG(mode)) return kFiletypeRegularFile;
  if (S_ISDIR(mode)) return kFiletypeDirectory;
  if (S_ISCHR(mode)) return kFiletypeCharacterDevice;
  if (S_ISBLK(mode)) return kFiletypeBlockDevice;
  if (S_ISSOCK(mode)) return kFiletypeSocketStream;
  if (S_ISLNK(mode)) return kFiletypeSymbolicLink;
  return kFiletypeUnknown;  // FIFOs: WASI has no file type for them
}

namespace {

// What a host stdio descriptor is now: its file type and the rights that
// make sense for it. False when it is not open.
bool describeHostStdio(int fd, uint8_t* filetype, uint64_t* rights, uint16_t* fdflags) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  *filetype = filetypeOf(st.st_mode);
  if (S_ISSOCK(st.st_mode)) {
    int type = 0;
    socklen_t len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM)
      *filetype = kFiletypeSocketDgram;
  }
  *fdflags = 0;
  if (flags & O_APPEND) *fdflags |= kFdflagAppend;
  if (flags & O_NONBLOCK) *fdflags |= kFdflagNonblock;
  uint64_t r = kRightFdFilestatGet | kRightPollFdReadwrite | kRightFdFdstatSetFlags;
  int mode = flags & O_ACCMODE;
  if (mode == O_RDONLY || mode == O_RDWR) r |= kRightFdRead;
  if (mode == O_WRONLY || mode == O_RDWR) r |= kRightFdWrite | kRightFdDatasync | kRightFdSync;
  // Only seekable files get seek/tell: wasi-libc's isatty() wants a
  // character device without them.
  if (::lseek(fd, 0, SEEK_CUR) >= 0) r |= kRightFdSeek | kRightFdTell;
  if (S_ISSOCK(st.st_mode)) r |= kRightSockShutdown | kRightSockAccept;
  *rights = r;
  return true;
}

}  // namespace

void refreshSharedStdio(Descriptor& d) {
  if (!d.sharedHostFd) return;
  uint8_t filetype;
  uint64_t rights;
  uint16_t hostFlags;
  if (!describeHostStdio(d.hostFd, &filetype, &rights, &hostFlags)) return;
  d.filetype = filetype;
  d.rightsBase = rights & d.rightsLimit;
}

void addStdio(FdTable& table) {
  for (int fd = 0; fd <= 2; ++fd) {
    Descriptor d;
    uint64_t rights;
    if (!describeHostStdio(fd, &d.filetype, &rights, &d.fdflags)) continue;  // not open: EBADF
    d.kind = Descriptor::Kind::Stream;
    d.stream = io::fdStream(fd, false);
    d.hostFd = fd;
    d.sharedHostFd = true;
    d.stdio = true;
    d.rightsBase = rights;
    d.rightsInheriting = 0;  // stdio opens nothing
    table.place(static_cast<uint32_t>(fd), std::move(d));
  }
}

void addCallerStdio(FdTable& table, const WasiStdio& stdio) {
  // Neither a file nor a terminal: a stream that only reads or only writes
  // (what WASI calls an unknown file type, as for a pipe).
  auto place = [&](uint32_t fd, std::unique_ptr<io::Stream> stream, uint64_t rights) {
    Descriptor d;
    d.kind = Descriptor::Kind::Stream;
    d.stdio = true;
    d.filetype = kFiletypeUnknown;
    d.stream = std::move(stream);
    d.rightsBase = rights | kRightPollFdReadwrite | kRightFdFdstatSetFlags;
    d.rightsInheriting = 0;
    table.place(fd, std::move(d));
  };
  place(0, io::bytesStream(stdio.input), kRightFdRead);
  place(1, io::sinkStream(stdio.output), kRightFdWrite);
  place(2, io::sinkStream(stdio.errors), kRightFdWrite);
}

int addPreopen(FdTable& table, const WasiPreopen& preopen) {
  int fd = ::open(preopen.hostPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  Descriptor d;
  d.kind = Descriptor::Kind::Directory;
  d.filetype = kFiletypeDirectory;
  d.directory = std::make_shared<Directory>(fd);
  d.hostFd = fd;
  d.rightsBase = kDirectoryRights;
  d.rightsInheriting = kDirectoryRights | kFileRights;
  if (preopen.readOnly) {
    d.rightsBase &= ~kWriteRights;
    d.rightsInheriting &= ~kWriteRights;
  }
  d.preopenName = preopen.guestPath.empty() ? preopen.hostPath : preopen.guestPath;
  // Preopens come after stdio (3, 4, ...), whatever stdio is open.
  uint32_t number = table.size() < 3 ? 3 : static_cast<uint32_t>(table.size());
  table.place(number, std::move(d));
  return 0;
}

std::optional<std::vector<std::span<uint8_t>>> guestIovs(const GuestMemory& mem, uint32_t iovs, uint32_t count) {
  if (!mem.valid(iovs, uint64_t{8} * count)) return std::nullopt;
  std::vector<std::span<uint8_t>> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t buf = mem.loadU32(iovs + 8 * i);
    uint32_t len = mem.loadU32(iovs + 8 * i + 4);
    if (!mem.valid(buf, len)) return std::nullopt;
    out.emplace_back(mem.at(buf), len);
  }
  return out;
}

int32_t guestPath(const GuestMemory& mem, uint32_t ptr, uint32_t len, std::string* out) {
  if (!mem.valid(ptr, len)) return kEfault;
  out->assign(reinterpret_cast<const char*>(mem.at(ptr)), len);
  if (out->find('\0') != std::string::npos) return kEinval;
  return kSuccess;
}

void storeFilestat(const GuestMemory& mem, uint32_t ptr, const struct stat& st) {
  auto ns = [](const timespec& ts) {
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
  };
  std::memset(mem.at(ptr), 0, 64);
  mem.storeU64(ptr + 0, static_cast<uint64_t>(st.st_dev));
  mem.storeU64(ptr + 8, static_cast<uint64_t>(st.st_ino));
  mem.storeU8(ptr + 16, filetypeOf(st.st_mode));
  mem.storeU64(ptr + 24, static_cast<uint64_t>(st.st_nlink));
  mem.storeU64(ptr + 32, static_cast<uint64_t>(st.st_size));
  mem.storeU64(ptr + 40, ns(st.st_atim));
  mem.storeU64(ptr + 48, ns(st.st_mtim));
  mem.storeU64(ptr + 56, ns(st.st_ctim));
}

}  // namespace wasi
}  // namespace kiln

namespace kiln::wasi {

int32_t lookupFd(kiln_vmctx* vmctx, int32_t fd, uint64_t rights, Descriptor** out) {
  Descriptor* d = descriptorOf(vmctx, fd);
  if (!d) return kEbadf;
  if ((d->rightsBase & rights) != rights) return kEbadf;
  *out = d;
  return kSuccess;
}

}  // namespace kiln::wasi
