// What a program was granted: its preopened directories (name and whether
// it may write there), a file in each, and the variables GREETING and
// KILN_DIR. Used by the wasi_grants_* cases: grants given to `kiln run`,
// baked into an executable by `kiln build`, and overridden with KILN_DIR.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(fd_prestat_get) int32_t w_fd_prestat_get(int32_t fd, uint32_t* prestat);
WASI(fd_prestat_dir_name) int32_t w_fd_prestat_dir_name(int32_t fd, char* buf, uint32_t len);
WASI(fd_fdstat_get) int32_t w_fd_fdstat_get(int32_t fd, uint8_t* stat);

extern char** environ;

int main(void) {
  for (int fd = 3; fd < 10; ++fd) {
    uint32_t prestat[2];
    if (w_fd_prestat_get(fd, prestat) != 0) break;
    char name[256] = {0};
    w_fd_prestat_dir_name(fd, name, prestat[1]);
    uint8_t st[24];
    w_fd_fdstat_get(fd, st);
    uint64_t inheriting;
    memcpy(&inheriting, st + 16, 8);
    printf("preopen %d: %s (%s)\n", fd, name, inheriting & (1u << 6) ? "read-write" : "read-only");
  }
  const char* files[] = {"/data/file.txt", "/ro/file.txt"};
  for (int i = 0; i < 2; ++i) {
    FILE* f = fopen(files[i], "r");
    char buf[64] = {0};
    if (f) {
      fgets(buf, sizeof buf, f);
      fclose(f);
      printf("%s: %s", files[i], buf);
    } else {
      printf("%s: cannot open (errno %d)\n", files[i], errno);
    }
  }
  const char* greeting = getenv("GREETING");
  printf("GREETING=%s\n", greeting ? greeting : "(unset)");
  int control = 0;
  for (char** e = environ; *e; ++e) control += strncmp(*e, "KILN_DIR", 8) == 0;
  printf("KILN_DIR* variables visible: %d\n", control);
  if (getenv("SHOW_ALL_ENV"))
    for (char** e = environ; *e; ++e) printf("env: %s\n", *e);
  return 0;
}
