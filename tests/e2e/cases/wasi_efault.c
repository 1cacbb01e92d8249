// Every guest pointer is checked against linear memory before the host
// touches it: pointers far outside memory, and ranges that start inside and
// end outside, give EFAULT (21), with no side effect (nothing written,
// nothing created), and the program carries on.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(args_get) int32_t w_args_get(uint32_t argv, uint32_t buf);
WASI(args_sizes_get) int32_t w_args_sizes_get(uint32_t argc, uint32_t size);
WASI(environ_get) int32_t w_environ_get(uint32_t env, uint32_t buf);
WASI(environ_sizes_get) int32_t w_environ_sizes_get(uint32_t count, uint32_t size);
WASI(clock_time_get) int32_t w_clock_time_get(int32_t id, uint64_t precision, uint32_t out);
WASI(clock_res_get) int32_t w_clock_res_get(int32_t id, uint32_t out);
WASI(random_get) int32_t w_random_get(uint32_t buf, uint32_t len);
WASI(fd_write) int32_t w_fd_write(int32_t fd, uint32_t iovs, uint32_t n, uint32_t nwritten);
WASI(fd_read) int32_t w_fd_read(int32_t fd, uint32_t iovs, uint32_t n, uint32_t nread);
WASI(fd_pread) int32_t w_fd_pread(int32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t nread);
WASI(fd_pwrite) int32_t w_fd_pwrite(int32_t fd, uint32_t iovs, uint32_t n, uint64_t offset, uint32_t nwritten);
WASI(fd_fdstat_get) int32_t w_fd_fdstat_get(int32_t fd, uint32_t out);
WASI(fd_filestat_get) int32_t w_fd_filestat_get(int32_t fd, uint32_t out);
WASI(fd_prestat_get) int32_t w_fd_prestat_get(int32_t fd, uint32_t out);
WASI(fd_prestat_dir_name) int32_t w_fd_prestat_dir_name(int32_t fd, uint32_t buf, uint32_t len);
WASI(fd_seek) int32_t w_fd_seek(int32_t fd, int64_t offset, int32_t whence, uint32_t out);
WASI(fd_tell) int32_t w_fd_tell(int32_t fd, uint32_t out);
WASI(path_open)
int32_t w_path_open(int32_t fd, int32_t dirflags, uint32_t path, uint32_t len, int32_t oflags, uint64_t base,
                    uint64_t inheriting, int32_t fdflags, uint32_t out);
WASI(path_filestat_get) int32_t w_path_filestat_get(int32_t fd, int32_t flags, uint32_t path, uint32_t len, uint32_t out);
WASI(path_create_directory) int32_t w_path_create_directory(int32_t fd, uint32_t path, uint32_t len);
WASI(path_readlink)
int32_t w_path_readlink(int32_t fd, uint32_t path, uint32_t len, uint32_t buf, uint32_t bufLen, uint32_t used);
WASI(path_symlink) int32_t w_path_symlink(uint32_t old, uint32_t oldLen, int32_t fd, uint32_t new_, uint32_t newLen);
WASI(path_rename)
int32_t w_path_rename(int32_t fd, uint32_t old, uint32_t oldLen, int32_t newFd, uint32_t new_, uint32_t newLen);
WASI(poll_oneoff) int32_t w_poll_oneoff(uint32_t in, uint32_t out, uint32_t n, uint32_t nevents);

#define P(x) ((uint32_t)(uintptr_t)(x))
#define FAR 0xfffffff0u

static int wrong;
static void expect21(const char* what, int32_t got) {
  printf("%-48s %d%s\n", what, got, got == 21 ? "" : "   <-- WRONG");
  wrong += got != 21;
}

static char text[] = "must not appear\n";
static uint8_t scratch[256];

int main(void) {
  const uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;  // first byte past memory
  const uint32_t edge = end - 4;                                       // 4 bytes inside, the rest outside
  printf("memory ends at a page boundary: %s\n", end % 65536 == 0 && end > 0 ? "yes" : "no");
  int32_t file = -1;  // data/file.txt, read and write
  printf("open file.txt: %d\n", w_path_open(3, 0, P("file.txt"), 8, 0, 0x7f, 0x7f, 0, P(&file)));

  expect21("args_sizes_get(far, ok)", w_args_sizes_get(FAR, P(scratch)));
  expect21("args_get(ok, edge): strings cross the end", w_args_get(P(scratch), edge));
  expect21("environ_sizes_get(ok, far)", w_environ_sizes_get(P(scratch), FAR));
  expect21("environ_get(far, ok)", w_environ_get(FAR, P(scratch + 128)));
  expect21("clock_time_get(edge): 8 bytes cross the end", w_clock_time_get(1, 1, edge));
  expect21("clock_res_get(far)", w_clock_res_get(0, FAR));
  expect21("random_get(edge, 8)", w_random_get(edge, 8));
  expect21("random_get(ok, 4 GiB - 1)", w_random_get(P(scratch), 0xffffffffu));

  uint32_t iov[2] = {P(text), (uint32_t)strlen(text)};
  expect21("fd_write: iovec array outside", w_fd_write(1, FAR, 1, P(scratch)));
  expect21("fd_write: iovec array crosses the end", w_fd_write(1, edge, 1, P(scratch)));
  uint32_t badIov[4] = {P(text), 4, FAR, 16};
  expect21("fd_write: second buffer outside", w_fd_write(1, P(badIov), 2, P(scratch)));
  expect21("fd_write: nwritten outside", w_fd_write(1, P(iov), 1, FAR));
  uint32_t readIov[2] = {edge, 64};
  expect21("fd_read: buffer crosses the end", w_fd_read(0, P(readIov), 1, P(scratch)));
  expect21("fd_pread: buffer crosses the end", w_fd_pread(file, P(readIov), 1, 0, P(scratch)));
  expect21("fd_pwrite: nwritten outside", w_fd_pwrite(file, P(iov), 1, 0, FAR));
  expect21("fd_fdstat_get(stdout, edge)", w_fd_fdstat_get(1, edge));
  expect21("fd_filestat_get(stdout, far)", w_fd_filestat_get(1, FAR));
  expect21("fd_prestat_get(3, far)", w_fd_prestat_get(3, FAR));
  expect21("fd_prestat_dir_name(3, edge, 64)", w_fd_prestat_dir_name(3, edge, 64));
  expect21("fd_seek(file, far)", w_fd_seek(file, 0, 0, FAR));
  expect21("fd_tell(file, edge)", w_fd_tell(file, edge));

  const char* name = "created.txt";
  expect21("path_open: path outside", w_path_open(3, 0, FAR, 8, 1, 0x7f, 0x7f, 0, P(scratch)));
  expect21("path_open: path crosses the end", w_path_open(3, 0, edge, 8, 1, 0x7f, 0x7f, 0, P(scratch)));
  expect21("path_open(O_CREAT): result outside", w_path_open(3, 0, P(name), 11, 1, 0x7f, 0x7f, 0, FAR));
  expect21("path_filestat_get: stat outside", w_path_filestat_get(3, 0, P("file.txt"), 8, edge));
  expect21("path_create_directory: path outside", w_path_create_directory(3, FAR, 3));
  expect21("path_readlink: buffer outside", w_path_readlink(3, P("link"), 4, FAR, 16, P(scratch)));
  expect21("path_symlink: target outside", w_path_symlink(FAR, 4, 3, P("newlink"), 7));
  expect21("path_rename: new path crosses the end", w_path_rename(3, P("file.txt"), 8, 3, edge, 8));
  expect21("poll_oneoff: subscriptions outside", w_poll_oneoff(FAR, P(scratch), 1, P(scratch + 64)));

  // Nothing happened: the file was not created, nothing reached stdout, the
  // file is unchanged.
  char back[16] = {0};
  uint32_t backIov[2] = {P(back), 15};
  uint32_t got = 0;
  w_fd_pread(file, P(backIov), 1, 0, P(&got));
  printf("file.txt: \"%s\"\n", back);
  int32_t fd = -1;
  int32_t e = w_path_open(3, 0, P(name), 11, 0, 0x7f, 0x7f, 0, P(&fd));
  printf("created.txt exists afterwards: %s\n", e == 0 ? "YES (wrong)" : "no");
  printf("%d wrong; still running\n", wrong);
  return wrong != 0;
}
