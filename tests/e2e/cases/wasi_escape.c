// Attempts to leave the granted directory (--dir data::/sandbox, fd 3):
// "..", absolute paths, symlinks to absolute paths, symlinks climbing out,
// chains of symlinks, loops, creating through a dangling link, and every
// path function aimed outside. Raw WASI calls, so each errno is exactly the
// runtime's. The case checks that nothing outside data/ was touched.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, const char* path, size_t len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t* out);
WASI(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, const char* path, size_t len, uint8_t* stat);
WASI(path_create_directory) int32_t raw_path_create_directory(int32_t fd, const char* path, size_t len);
WASI(path_unlink_file) int32_t raw_path_unlink_file(int32_t fd, const char* path, size_t len);
WASI(path_remove_directory) int32_t raw_path_remove_directory(int32_t fd, const char* path, size_t len);
WASI(path_rename)
int32_t raw_path_rename(int32_t fd, const char* old, size_t oldLen, int32_t newFd, const char* new_, size_t newLen);
WASI(path_link)
int32_t raw_path_link(int32_t oldFd, int32_t flags, const char* old, size_t oldLen, int32_t newFd, const char* new_,
                      size_t newLen);
WASI(path_symlink)
int32_t raw_path_symlink(const char* old, size_t oldLen, int32_t fd, const char* new_, size_t newLen);
WASI(path_readlink)
int32_t raw_path_readlink(int32_t fd, const char* path, size_t len, char* buf, size_t bufLen, int32_t* used);
WASI(fd_read) int32_t raw_fd_read(int32_t fd, const void* iovs, size_t count, int32_t* nread);
WASI(fd_close) int32_t raw_fd_close(int32_t fd);

#define FOLLOW 1
#define O_CREAT_ 1
#define O_DIR_ 2
// fd_read, fd_seek, fd_tell, fd_readdir, path_open, path_filestat_get, fd_filestat_get
#define RIGHTS ((1ll << 1) | (1ll << 2) | (1ll << 5) | (1ll << 14) | (1ll << 13) | (1ll << 18) | (1ll << 21))
#define CREATE_RIGHTS (RIGHTS | (1ll << 6))

static int failures;

static void expect(const char* what, int32_t got, int32_t want) {
  printf("%-44s %2d%s\n", what, got, got == want ? "" : "   <-- WRONG");
  if (got != want) failures++;
}

static int32_t open_at(int32_t dir, const char* path, int32_t lookup, int32_t oflags, int32_t* fd) {
  return raw_path_open(dir, lookup, path, strlen(path), oflags, oflags & O_CREAT_ ? CREATE_RIGHTS : RIGHTS,
                       RIGHTS, 0, fd);
}

static int32_t try_open(const char* path, int32_t lookup) {
  int32_t fd = -1;
  int32_t e = open_at(3, path, lookup, 0, &fd);
  if (e == 0) raw_fd_close(fd);
  return e;
}

static void read_file(int32_t dir, const char* path) {
  int32_t fd = -1;
  int32_t e = open_at(dir, path, FOLLOW, 0, &fd);
  char buf[64] = {0};
  struct { void* buf; size_t len; } iov = {buf, sizeof buf - 1};
  int32_t n = 0;
  if (e == 0) e = raw_fd_read(fd, &iov, 1, &n);
  if (fd >= 0) raw_fd_close(fd);
  printf("read %-39s %2d \"%s\"\n", path, e, buf);
}

int main(void) {
  read_file(3, "inside.txt");
  read_file(3, "sub/../inside.txt");
  read_file(3, "./sub//.././inside.txt");
  read_file(3, "good1");  // good1 -> sub/good2 -> ../inside.txt

  expect("open ../outside.txt", try_open("../outside.txt", FOLLOW), 63);
  expect("open sub/../../outside.txt", try_open("sub/../../outside.txt", FOLLOW), 63);
  expect("open /etc/passwd (absolute)", try_open("/etc/passwd", FOLLOW), 63);
  expect("open etc_link/passwd (link to /etc)", try_open("etc_link/passwd", FOLLOW), 63);
  expect("open abs_file (link to /etc/passwd)", try_open("abs_file", FOLLOW), 63);
  expect("open abs_file, not following", try_open("abs_file", 0), 32);
  expect("open up/outside.txt (up -> ..)", try_open("up/outside.txt", FOLLOW), 63);
  expect("open sub/up2/outside.txt (up2 -> ../..)", try_open("sub/up2/outside.txt", FOLLOW), 63);
  expect("open chain1 (3 links, the last climbs out)", try_open("chain1", FOLLOW), 63);
  expect("open loop1 (loop1 <-> loop2)", try_open("loop1", FOLLOW), 32);
  expect("open ..", try_open("..", FOLLOW), 63);
  expect("open .", try_open(".", FOLLOW), 0);
  expect("open (empty path)", try_open("", FOLLOW), 44);
  int32_t fd = -1;
  expect("open etc_link as a directory", open_at(3, "etc_link", FOLLOW, O_DIR_, &fd), 63);
  expect("create through dangling_out", open_at(3, "dangling_out", FOLLOW, O_CREAT_, &fd), 63);
  expect("open on stdout (not a directory)", open_at(1, "x", 0, 0, &fd), 8);
  expect("open on fd 99", open_at(99, "inside.txt", 0, 0, &fd), 8);

  // A descriptor for sub/ grants sub/ only: ".." from it is out of bounds.
  int32_t sub = -1;
  expect("open sub", open_at(3, "sub", FOLLOW, O_DIR_, &sub), 0);
  expect("from sub: open ../inside.txt", open_at(sub, "../inside.txt", FOLLOW, 0, &fd), 63);
  read_file(sub, "file.txt");
  raw_fd_close(sub);

  uint8_t st[64];
  expect("filestat etc_link, following", raw_path_filestat_get(3, FOLLOW, "etc_link", 8, st), 63);
  memset(st, 0, sizeof st);
  expect("filestat etc_link, not following", raw_path_filestat_get(3, 0, "etc_link", 8, st), 0);
  expect("  its filetype (7: symbolic link)", st[16], 7);
  expect("filestat ../outside.txt", raw_path_filestat_get(3, 0, "../outside.txt", 14, st), 63);
  expect("mkdir ../newdir", raw_path_create_directory(3, "../newdir", 9), 63);
  expect("mkdir etc_link/newdir", raw_path_create_directory(3, "etc_link/newdir", 15), 63);
  expect("unlink ../outside.txt", raw_path_unlink_file(3, "../outside.txt", 14), 63);
  expect("rmdir ../data", raw_path_remove_directory(3, "../data", 7), 63);
  expect("rename inside.txt -> ../stolen.txt", raw_path_rename(3, "inside.txt", 10, 3, "../stolen.txt", 13), 63);
  expect("rename ../outside.txt -> taken.txt", raw_path_rename(3, "../outside.txt", 14, 3, "taken.txt", 9), 63);
  expect("link inside.txt -> ../linked.txt", raw_path_link(3, 0, "inside.txt", 10, 3, "../linked.txt", 13), 63);
  expect("link abs_file (following) -> passwd", raw_path_link(3, FOLLOW, "abs_file", 8, 3, "passwd", 6), 63);
  expect("symlink /etc/passwd as newabs", raw_path_symlink("/etc/passwd", 11, 3, "newabs", 6), 63);
  expect("symlink ../outside.txt as rel (allowed)", raw_path_symlink("../outside.txt", 14, 3, "rel", 3), 0);
  expect("  and open it", try_open("rel", FOLLOW), 63);
  char target[32] = {0};
  int32_t used = 0;
  expect("readlink etc_link", raw_path_readlink(3, "etc_link", 8, target, sizeof target, &used), 0);
  printf("  -> \"%.*s\"\n", (int)used, target);

  // Through wasi-libc: it maps paths onto the preopen, the runtime refuses.
  errno = 0;
  printf("libc fopen(/etc/passwd): %s, errno %d\n", fopen("/etc/passwd", "r") ? "opened" : "failed", errno);
  errno = 0;
  printf("libc open(/sandbox/../outside.txt): %d, errno %d\n", open("/sandbox/../outside.txt", O_RDONLY), errno);
  errno = 0;
  printf("libc open(/sandbox/etc_link/hostname): %d, errno %d\n", open("/sandbox/etc_link/hostname", O_RDONLY),
         errno);

  printf("%d wrong\n", failures);
  return failures != 0;
}
