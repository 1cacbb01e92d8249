// Without --dir the program sees no files at all: no preopened descriptor
// (fd 3 is EBADF), and neither relative nor absolute paths open anything.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(fd_prestat_get) int32_t w_fd_prestat_get(int32_t fd, uint32_t* prestat);
WASI(fd_fdstat_get) int32_t w_fd_fdstat_get(int32_t fd, uint8_t* stat);

int main(void) {
  uint32_t prestat[2];
  uint8_t st[24];
  printf("fd_prestat_get(3): %d\n", w_fd_prestat_get(3, prestat));
  printf("fd_fdstat_get(3): %d\n", w_fd_fdstat_get(3, st));
  const char* paths[] = {"secret.txt", "./secret.txt", "/etc/passwd", "/", "."};
  for (int i = 0; i < 5; ++i) {
    errno = 0;
    int fd = open(paths[i], O_RDONLY);
    printf("open(%s): %s, errno %d\n", paths[i], fd >= 0 ? "OPENED" : "failed", errno);
  }
  return 0;
}
