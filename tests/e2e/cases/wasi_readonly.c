// A read-only grant (--dir-ro ro::/ro) beside a read-write one (--dir
// data::/rw): everything in /ro reads, nothing in it can be created,
// written, truncated, renamed, linked, removed or re-timed (EPERM, 63, as
// in Wasmtime; a descriptor's own missing right, as for a write or ftruncate
// on a descriptor without it, is EBADF).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void result(const char* what, int r) {
  printf("%-40s %s", what, r == 0 ? "ok" : "failed");
  if (r != 0) printf(" (errno %d)", errno);
  printf("\n");
  errno = 0;
}

int main(void) {
  char buf[32] = {0};
  int fd = open("/ro/file.txt", O_RDONLY);
  result("open /ro/file.txt for reading", fd >= 0 ? 0 : -1);
  result("read it", read(fd, buf, sizeof buf - 1) > 0 ? 0 : -1);
  printf("  \"%s\"\n", buf);
  close(fd);
  DIR* d = opendir("/ro/sub");
  result("opendir /ro/sub", d ? 0 : -1);
  if (d) closedir(d);
  struct stat st;
  result("stat /ro/file.txt", stat("/ro/file.txt", &st));

  result("create /ro/new.txt", open("/ro/new.txt", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
  result("truncate /ro/file.txt (O_TRUNC)", open("/ro/file.txt", O_WRONLY | O_TRUNC) >= 0 ? 0 : -1);
  fd = open("/ro/file.txt", O_WRONLY);
  result("open /ro/file.txt for writing", fd >= 0 ? 0 : -1);
  result("  write to it", write(fd, "x", 1) == 1 ? 0 : -1);
  result("  ftruncate it", ftruncate(fd, 0));
  close(fd);
  fd = open("/ro/file.txt", O_RDWR);
  result("open /ro/file.txt read-write", fd >= 0 ? 0 : -1);
  result("  write to it", write(fd, "x", 1) == 1 ? 0 : -1);
  close(fd);
  result("mkdir /ro/dir", mkdir("/ro/dir", 0755));
  result("rmdir /ro/sub", rmdir("/ro/sub"));
  result("unlink /ro/file.txt", unlink("/ro/file.txt"));
  result("rename /ro/file.txt /ro/moved.txt", rename("/ro/file.txt", "/ro/moved.txt"));
  result("rename /ro/file.txt /rw/moved.txt", rename("/ro/file.txt", "/rw/moved.txt"));
  result("rename /rw/mine.txt /ro/mine.txt", rename("/rw/mine.txt", "/ro/mine.txt"));
  result("link /ro/file.txt /rw/hard.txt", link("/ro/file.txt", "/rw/hard.txt"));
  result("symlink in /ro", symlink("file.txt", "/ro/link"));
  struct timespec times[2] = {{1, 0}, {1, 0}};
  result("utimensat /ro/file.txt", utimensat(AT_FDCWD, "/ro/file.txt", times, 0));

  fd = open("/rw/written.txt", O_CREAT | O_WRONLY, 0644);
  result("create /rw/written.txt", fd >= 0 ? 0 : -1);
  result("  write to it", write(fd, "ok\n", 3) == 3 ? 0 : -1);
  close(fd);
  return 0;
}
