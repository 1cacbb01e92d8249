// fd_readdir: cookies, buffers that end inside an entry (the last entry is
// cut to fill the buffer exactly), d_next/d_ino/d_type, and libc's readdir
// on top. The directory is data/ granted as /d (fd 3); the program fills a
// subdirectory with 40 entries first.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(fd_readdir) int32_t raw_fd_readdir(int32_t fd, uint8_t* buf, size_t len, uint64_t cookie, int32_t* used);

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      printf("FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define COUNT 40

struct dirent_hdr {
  uint64_t next;
  uint64_t ino;
  uint32_t namlen;
  uint8_t type;
};

static uint8_t big[65536];

int main(void) {
  CHECK(mkdir("/d/many", 0755) == 0);
  for (int i = 0; i < COUNT; ++i) {
    char name[128];
    snprintf(name, sizeof name, "/d/many/entry-%02d-%.*s", i, i, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
    int fd = open(name, O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0);
    close(fd);
  }
  CHECK(mkdir("/d/many/subdir", 0755) == 0);
  CHECK(symlink("entry-00-", "/d/many/link") == 0);

  int dir = open("/d/many", O_RDONLY | O_DIRECTORY);
  CHECK(dir >= 0);

  // The whole listing in one big buffer: the reference.
  int32_t used = -1;
  CHECK(raw_fd_readdir(dir, big, sizeof big, 0, &used) == 0);
  int entries = 0, files = 0, dirs = 0, links = 0, dots = 0;
  uint64_t cookies[64];
  uint32_t offsets[64];
  for (int32_t at = 0; at < used;) {
    struct dirent_hdr h;
    memcpy(&h, big + at, 24);
    CHECK(at + 24 + (int32_t)h.namlen <= used);
    char name[256] = {0};
    memcpy(name, big + at + 24, h.namlen);
    offsets[entries] = (uint32_t)at;
    cookies[entries++] = h.next;
    if (!strcmp(name, ".") || !strcmp(name, "..")) {
      dots++;
    } else {
      struct stat st;
      CHECK(fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0);
      CHECK(st.st_ino == h.ino);  // d_ino is the file's inode number
      if (h.type == 4) files++;
      if (h.type == 3) dirs++;
      if (h.type == 7) links++;
    }
    at += 24 + (int32_t)h.namlen;
  }
  printf("one read: %d entries (%d regular files, %d directories, %d symlinks, %d dot entries)\n", entries, files,
         dirs, links, dots);
  int increasing = 1;
  for (int i = 1; i < entries; ++i) increasing &= cookies[i] > cookies[i - 1];
  printf("d_next cookies increase: %s\n", increasing ? "yes" : "no");

  // A buffer smaller than one header: filled completely with the start of
  // the first entry.
  uint8_t small[64];
  memset(small, 0xee, sizeof small);
  CHECK(raw_fd_readdir(dir, small, 10, 0, &used) == 0);
  printf("10-byte buffer: %d bytes used, matches: %s, byte 10 untouched: %s\n", used,
         memcmp(small, big, 10) == 0 ? "yes" : "no", small[10] == 0xee ? "yes" : "no");

  // Buffers ending inside an entry, from every cookie: the bytes are exactly
  // the reference's, cut at the buffer's end.
  int ok = 1;
  for (int i = 0; i < entries; ++i) {
    uint64_t cookie = i == 0 ? 0 : cookies[i - 1];
    for (size_t len = 1; len < 120; len += 7) {
      uint8_t part[128];
      CHECK(raw_fd_readdir(dir, part, len, cookie, &used) == 0);
      size_t available = 0;
      for (int j = i; j < entries; ++j) available += 24 + ((struct dirent_hdr*)(big + offsets[j]))->namlen;
      size_t want = len < available ? len : available;
      if ((size_t)used != want || memcmp(part, big + offsets[i], want) != 0) ok = 0;
    }
  }
  printf("cut buffers from every cookie agree: %s\n", ok ? "yes" : "no");

  // A buffer exactly one entry long holds that entry whole.
  struct dirent_hdr first;
  memcpy(&first, big, 24);
  CHECK(raw_fd_readdir(dir, small, 24 + first.namlen, 0, &used) == 0);
  printf("exact fit: used %s\n", (uint32_t)used == 24 + first.namlen ? "all" : "wrong");

  // Past the end: nothing.
  CHECK(raw_fd_readdir(dir, small, sizeof small, cookies[entries - 1], &used) == 0);
  printf("after the last cookie: %d bytes\n", used);

  // Errors.
  int file = open("/d/many/entry-01-a", O_RDONLY);
  CHECK(file >= 0);
  printf("readdir on a file: %d\n", raw_fd_readdir(file, small, sizeof small, 0, &used));
  printf("readdir on fd 77: %d\n", raw_fd_readdir(77, small, sizeof small, 0, &used));
  printf("readdir into a buffer outside memory: %d\n", raw_fd_readdir(dir, (uint8_t*)0xfffff000u, 4096, 0, &used));
  close(file);

  // libc's readdir (which reads with its own buffer size and cookies).
  DIR* d = fdopendir(dir);
  CHECK(d != NULL);
  int seen = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) seen++;
  printf("libc readdir: %d entries\n", seen);
  // Entries removed after a rewind are gone from the listing.
  CHECK(unlink("/d/many/entry-05-abcde") == 0);
  rewinddir(d);
  seen = 0;
  while ((e = readdir(d)) != NULL) seen++;
  printf("after unlink and rewinddir: %d entries\n", seen);
  closedir(d);
  return 0;
}
