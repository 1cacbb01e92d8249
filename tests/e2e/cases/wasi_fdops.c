// Descriptor operations through raw WASI calls: rights (enforced, only ever
// shrinking, bounded by the directory's inheriting rights; a descriptor's
// missing right is EBADF, a right the directory does not pass on EPERM,
// taking a right back ENOTCAPABLE, as in Wasmtime), fdstat flags,
// renumbering, closing a preopen, advise/allocate/sync/size/times, seeking
// on pipes, the socket functions on non-sockets, proc_raise, and the
// preopen's name.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(path_open)
int32_t w_path_open(int32_t fd, int32_t dirflags, const char* path, uint32_t len, int32_t oflags, uint64_t base,
                    uint64_t inheriting, int32_t fdflags, int32_t* out);
WASI(fd_read) int32_t w_fd_read(int32_t fd, const void* iovs, uint32_t n, uint32_t* nread);
WASI(fd_write) int32_t w_fd_write(int32_t fd, const void* iovs, uint32_t n, uint32_t* nwritten);
WASI(fd_pread) int32_t w_fd_pread(int32_t fd, const void* iovs, uint32_t n, uint64_t offset, uint32_t* nread);
WASI(fd_pwrite) int32_t w_fd_pwrite(int32_t fd, const void* iovs, uint32_t n, uint64_t offset, uint32_t* nwritten);
WASI(fd_seek) int32_t w_fd_seek(int32_t fd, int64_t offset, int32_t whence, uint64_t* out);
WASI(fd_tell) int32_t w_fd_tell(int32_t fd, uint64_t* out);
WASI(fd_close) int32_t w_fd_close(int32_t fd);
WASI(fd_fdstat_get) int32_t w_fd_fdstat_get(int32_t fd, uint8_t* stat);
WASI(fd_fdstat_set_flags) int32_t w_fd_fdstat_set_flags(int32_t fd, int32_t flags);
WASI(fd_fdstat_set_rights) int32_t w_fd_fdstat_set_rights(int32_t fd, uint64_t base, uint64_t inheriting);
WASI(fd_filestat_get) int32_t w_fd_filestat_get(int32_t fd, uint8_t* stat);
WASI(fd_filestat_set_size) int32_t w_fd_filestat_set_size(int32_t fd, uint64_t size);
WASI(fd_filestat_set_times) int32_t w_fd_filestat_set_times(int32_t fd, uint64_t atim, uint64_t mtim, int32_t flags);
WASI(fd_advise) int32_t w_fd_advise(int32_t fd, uint64_t offset, uint64_t len, int32_t advice);
WASI(fd_allocate) int32_t w_fd_allocate(int32_t fd, uint64_t offset, uint64_t len);
WASI(fd_datasync) int32_t w_fd_datasync(int32_t fd);
WASI(fd_sync) int32_t w_fd_sync(int32_t fd);
WASI(fd_renumber) int32_t w_fd_renumber(int32_t from, int32_t to);
WASI(fd_prestat_dir_name) int32_t w_fd_prestat_dir_name(int32_t fd, char* buf, uint32_t len);
WASI(sock_shutdown) int32_t w_sock_shutdown(int32_t fd, int32_t how);
WASI(sock_recv)
int32_t w_sock_recv(int32_t fd, const void* iovs, uint32_t n, int32_t flags, uint32_t* len, uint16_t* oflags);
WASI(sock_send) int32_t w_sock_send(int32_t fd, const void* iovs, uint32_t n, int32_t flags, uint32_t* len);
WASI(sock_accept) int32_t w_sock_accept(int32_t fd, int32_t flags, int32_t* out);
WASI(proc_raise) int32_t w_proc_raise(int32_t signal);
WASI(sched_yield) int32_t w_sched_yield(void);

#define R_DATASYNC (1ull << 0)
#define R_READ (1ull << 1)
#define R_SEEK (1ull << 2)
#define R_SET_FLAGS (1ull << 3)
#define R_SYNC (1ull << 4)
#define R_TELL (1ull << 5)
#define R_WRITE (1ull << 6)
#define R_ADVISE (1ull << 7)
#define R_ALLOCATE (1ull << 8)
#define R_FILESTAT_GET (1ull << 21)
#define R_SET_SIZE (1ull << 22)
#define R_SET_TIMES (1ull << 23)
#define R_SOCK_ACCEPT (1ull << 29)
#define FILE_RIGHTS                                                                                            \
  (R_DATASYNC | R_READ | R_SEEK | R_SET_FLAGS | R_SYNC | R_TELL | R_WRITE | R_ADVISE | R_ALLOCATE | \
   R_FILESTAT_GET | R_SET_SIZE | R_SET_TIMES)

static int wrong;
static void expect(const char* what, int32_t got, int32_t want) {
  printf("%-52s %2d%s\n", what, got, got == want ? "" : "   <-- WRONG");
  wrong += got != want;
}

static uint64_t size_of(int32_t fd) {
  uint8_t st[64];
  uint64_t size = 0;
  if (w_fd_filestat_get(fd, st) == 0) memcpy(&size, st + 32, 8);
  return size;
}

int main(void) {
  char name[16] = {0};
  expect("prestat_dir_name(3) into 1 byte", w_fd_prestat_dir_name(3, name, 1), 37);
  expect("prestat_dir_name(3) into 16 bytes", w_fd_prestat_dir_name(3, name, 16), 0);
  printf("  name: %s\n", name);

  uint8_t st[24];
  w_fd_fdstat_get(3, st);
  uint64_t base, inheriting;
  memcpy(&base, st + 8, 8);
  memcpy(&inheriting, st + 16, 8);
  printf("preopen: filetype %u, file rights inheritable: %s\n", st[0],
         (inheriting & FILE_RIGHTS) == FILE_RIGHTS ? "all" : "NOT ALL");

  int32_t fd = -1, ro = -1, other = -1;
  expect("open f.txt asking for sock_accept", w_path_open(3, 0, "f.txt", 5, 0, R_SOCK_ACCEPT, 0, 0, &fd), 63);
  expect("open f.txt with every file right", w_path_open(3, 0, "f.txt", 5, 1, FILE_RIGHTS, 0, 0, &fd), 0);
  expect("open f.txt with fd_read only", w_path_open(3, 0, "f.txt", 5, 0, R_READ, 0, 0, &ro), 0);
  w_fd_fdstat_get(ro, st);
  memcpy(&base, st + 8, 8);
  printf("  its filetype %u, rights 0x%llx\n", st[0], (unsigned long long)base);

  const char* text = "hello";
  struct { const void* buf; uint32_t len; } iov = {text, 5};
  uint32_t n = 0;
  uint64_t pos = 0;
  expect("write through the read-only descriptor", w_fd_write(ro, &iov, 1, &n), 8);
  expect("seek on it", w_fd_seek(ro, 0, 0, &pos), 8);
  expect("filestat_get on it", w_fd_filestat_get(ro, (uint8_t[64]){0}), 8);
  expect("write through the full descriptor", w_fd_write(fd, &iov, 1, &n), 0);
  char back[8] = {0};
  struct { void* buf; uint32_t len; } riov = {back, 7};
  expect("read through the read-only one", w_fd_read(ro, &riov, 1, &n), 0);
  printf("  \"%s\"\n", back);

  expect("drop fd_read from it", w_fd_fdstat_set_rights(ro, 0, 0), 0);
  expect("read now", w_fd_read(ro, &riov, 1, &n), 8);
  expect("take fd_read back", w_fd_fdstat_set_rights(ro, R_READ, 0), 76);
  expect("renumber it onto a closed number (50)", w_fd_renumber(ro, 50), 8);
  expect("open another descriptor", w_path_open(3, 0, "f.txt", 5, 0, R_READ | R_SEEK | R_TELL, 0, 0, &other), 0);
  expect("renumber the rightless one onto it", w_fd_renumber(ro, other), 0);
  expect("the old number is closed", w_fd_close(ro), 8);
  expect("the new number has no rights: read", w_fd_read(other, &riov, 1, &n), 8);
  expect("close it", w_fd_close(other), 0);

  expect("tell", w_fd_tell(fd, &pos), 0);
  printf("  position %llu\n", (unsigned long long)pos);
  expect("seek whence 3", w_fd_seek(fd, 0, 3, &pos), 28);
  expect("seek to -1", w_fd_seek(fd, -1, 0, &pos), 28);
  expect("pwrite at 10 (past the end)", w_fd_pwrite(fd, &iov, 1, 10, &n), 0);
  printf("  size %llu\n", (unsigned long long)size_of(fd));
  expect("set_size 3", w_fd_filestat_set_size(fd, 3), 0);
  printf("  size %llu\n", (unsigned long long)size_of(fd));
  expect("allocate 0..100", w_fd_allocate(fd, 0, 100), 0);
  printf("  size %llu\n", (unsigned long long)size_of(fd));
  expect("set_size 5", w_fd_filestat_set_size(fd, 5), 0);
  expect("advise willneed", w_fd_advise(fd, 0, 5, 3), 0);
  expect("advise 9 (no such advice)", w_fd_advise(fd, 0, 5, 9), 28);
  expect("datasync", w_fd_datasync(fd), 0);
  expect("sync", w_fd_sync(fd), 0);
  expect("set_times mtime=5s", w_fd_filestat_set_times(fd, 0, 5000000000ull, 4), 0);
  uint8_t fst[64];
  w_fd_filestat_get(fd, fst);
  uint64_t mtim;
  memcpy(&mtim, fst + 48, 8);
  printf("  mtime %llu\n", (unsigned long long)mtim);
  expect("set_times atim and atim_now", w_fd_filestat_set_times(fd, 1, 0, 3), 28);

  expect("set flags: append", w_fd_fdstat_set_flags(fd, 1), 0);
  w_fd_fdstat_get(fd, st);
  printf("  fdflags %u\n", st[2]);
  expect("seek to 0", w_fd_seek(fd, 0, 0, &pos), 0);
  expect("write (appends)", w_fd_write(fd, &iov, 1, &n), 0);
  expect("tell", w_fd_tell(fd, &pos), 0);
  printf("  position %llu, size %llu\n", (unsigned long long)pos, (unsigned long long)size_of(fd));
  expect("set flags 0x20 (no such flag)", w_fd_fdstat_set_flags(fd, 0x20), 28);
  char all[16] = {0};
  struct { void* buf; uint32_t len; } aiov = {all, 15};
  expect("pread everything", w_fd_pread(fd, &aiov, 1, 0, &n), 0);
  for (uint32_t i = 0; i < n; ++i) all[i] = all[i] ? all[i] : '.';
  printf("  %u bytes: \"%s\"\n", n, all);

  expect("seek on stdout (a pipe)", w_fd_seek(1, 0, 1, &pos), 70);
  expect("tell on stdin (a pipe)", w_fd_tell(0, &pos), 70);
  expect("pread on stdin", w_fd_pread(0, &aiov, 1, 0, &n), 70);
  expect("pwrite on stdout", w_fd_pwrite(1, &iov, 1, 0, &n), 70);
  expect("read the directory", w_fd_read(3, &riov, 1, &n), 8);

  uint16_t oflags;
  expect("sock_shutdown(stdout)", w_sock_shutdown(1, 3), 57);
  expect("sock_shutdown(file)", w_sock_shutdown(fd, 1), 57);
  expect("sock_shutdown(99)", w_sock_shutdown(99, 1), 8);
  expect("sock_recv(file)", w_sock_recv(fd, &riov, 1, 0, &n, &oflags), 57);
  expect("sock_send(stdout)", w_sock_send(1, &iov, 1, 0, &n), 57);
  expect("sock_accept(3)", w_sock_accept(3, 0, &other), 57);
  expect("sock_accept(99)", w_sock_accept(99, 0, &other), 8);
  expect("proc_raise(SIGTERM)", w_proc_raise(15), 52);
  expect("sched_yield", w_sched_yield(), 0);

  expect("close the file", w_fd_close(fd), 0);
  expect("close the preopen", w_fd_close(3), 0);
  expect("open through it now", w_path_open(3, 0, "f.txt", 5, 0, R_READ, 0, 0, &fd), 8);
  printf("%d wrong\n", wrong);
  return wrong != 0;
}
