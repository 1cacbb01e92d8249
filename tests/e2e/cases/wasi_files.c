// Files and directories through wasi-libc, inside a granted directory
// (--dir data::/sandbox): create, write, read, seek, stat, truncate,
// pread/pwrite, append, rename, hard and symbolic links, mkdir/rmdir,
// timestamps, unlink. Prints what it saw; the case checks the tree after.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      printf("FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

static void show(const char* path) {
  char buf[128];
  FILE* f = fopen(path, "r");
  if (!f) {
    printf("%s: cannot open (errno %d)\n", path, errno);
    return;
  }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  printf("%s: \"%s\"\n", path, buf);
}

int main(void) {
  // An existing file from the host.
  show("/sandbox/hello.txt");

  // Create, write, read back with seeks.
  int fd = open("/sandbox/new.txt", O_CREAT | O_EXCL | O_RDWR, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "0123456789", 10) == 10);
  CHECK(lseek(fd, 0, SEEK_CUR) == 10);
  CHECK(lseek(fd, 2, SEEK_SET) == 2);
  char buf[16] = {0};
  CHECK(read(fd, buf, 3) == 3);
  printf("read at 2: %s\n", buf);
  CHECK(lseek(fd, -4, SEEK_END) == 6);
  memset(buf, 0, sizeof buf);
  CHECK(read(fd, buf, 10) == 4);
  printf("read from end-4: %s\n", buf);
  CHECK(read(fd, buf, 10) == 0);  // end of file
  errno = 0;
  CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);

  // pread/pwrite leave the offset alone.
  CHECK(lseek(fd, 1, SEEK_SET) == 1);
  CHECK(pwrite(fd, "AB", 2, 4) == 2);
  memset(buf, 0, sizeof buf);
  CHECK(pread(fd, buf, 6, 2) == 6);
  printf("pread at 2: %s\n", buf);
  CHECK(lseek(fd, 0, SEEK_CUR) == 1);

  // stat and truncate.
  struct stat st;
  CHECK(fstat(fd, &st) == 0);
  printf("size %lld, regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  CHECK(ftruncate(fd, 5) == 0);
  CHECK(fstat(fd, &st) == 0);
  printf("after ftruncate: size %lld\n", (long long)st.st_size);
  CHECK(fsync(fd) == 0);
  CHECK(fdatasync(fd) == 0);
  CHECK(close(fd) == 0);
  errno = 0;
  CHECK(close(fd) == -1 && errno == EBADF);
  show("/sandbox/new.txt");

  // Append mode: every write lands at the end.
  fd = open("/sandbox/log.txt", O_CREAT | O_WRONLY | O_APPEND, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, "one\n", 4) == 4);
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(write(fd, "two\n", 4) == 4);
  CHECK(close(fd) == 0);
  FILE* f = fopen("/sandbox/log.txt", "a");
  CHECK(f != NULL);
  fputs("three\n", f);
  fclose(f);
  show("/sandbox/log.txt");

  // O_EXCL on an existing file, O_TRUNC.
  errno = 0;
  CHECK(open("/sandbox/hello.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
  fd = open("/sandbox/trunc.txt", O_WRONLY | O_TRUNC);
  CHECK(fd >= 0);
  CHECK(close(fd) == 0);
  CHECK(stat("/sandbox/trunc.txt", &st) == 0);
  printf("trunc.txt size %lld\n", (long long)st.st_size);

  // Directories.
  CHECK(mkdir("/sandbox/dir", 0755) == 0);
  errno = 0;
  CHECK(mkdir("/sandbox/dir", 0755) == -1 && errno == EEXIST);
  CHECK(mkdir("/sandbox/dir/inner", 0755) == 0);
  CHECK(stat("/sandbox/dir/inner", &st) == 0 && S_ISDIR(st.st_mode));
  errno = 0;
  CHECK(rmdir("/sandbox/dir") == -1 && errno == ENOTEMPTY);
  CHECK(rmdir("/sandbox/dir/inner") == 0);
  errno = 0;
  CHECK(open("/sandbox/dir/missing", O_RDONLY) == -1 && errno == ENOENT);
  errno = 0;
  CHECK(open("/sandbox/hello.txt/x", O_RDONLY) == -1 && errno == ENOTDIR);
  errno = 0;
  CHECK(unlink("/sandbox/dir") == -1 && errno == EISDIR);
  errno = 0;
  CHECK(rmdir("/sandbox/hello.txt") == -1 && errno == ENOTDIR);
  fd = open("/sandbox/dir", O_RDONLY | O_DIRECTORY);
  CHECK(fd >= 0);
  errno = 0;
  CHECK(read(fd, buf, 1) == -1 && errno == EBADF);  // no fd_read right on a directory
  CHECK(close(fd) == 0);
  errno = 0;
  CHECK(open("/sandbox/hello.txt", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR);

  // Rename (a file, into a directory, over another file), hard link.
  CHECK(rename("/sandbox/new.txt", "/sandbox/dir/moved.txt") == 0);
  CHECK(access("/sandbox/new.txt", F_OK) == -1);
  CHECK(link("/sandbox/dir/moved.txt", "/sandbox/hardlink.txt") == 0);
  CHECK(stat("/sandbox/hardlink.txt", &st) == 0);
  printf("hard link count %u\n", (unsigned)st.st_nlink);
  CHECK(rename("/sandbox/hardlink.txt", "/sandbox/renamed.txt") == 0);
  CHECK(rename("/sandbox/dir", "/sandbox/dir2") == 0);

  // Symbolic links inside the sandbox: followed by open and stat, not by lstat.
  CHECK(symlink("dir2/moved.txt", "/sandbox/sym") == 0);
  char target[64] = {0};
  CHECK(readlink("/sandbox/sym", target, sizeof target - 1) == (ssize_t)strlen("dir2/moved.txt"));
  printf("readlink: %s\n", target);
  show("/sandbox/sym");
  struct stat lst;
  CHECK(lstat("/sandbox/sym", &lst) == 0 && S_ISLNK(lst.st_mode));
  CHECK(stat("/sandbox/sym", &st) == 0 && S_ISREG(st.st_mode));
  CHECK(symlink("dir2", "/sandbox/dirlink2") == 0);
  show("/sandbox/dirlink2/moved.txt");
  CHECK(unlink("/sandbox/sym") == 0);
  CHECK(stat("/sandbox/dir2/moved.txt", &st) == 0);  // the target stays
  // "link/" means the directory it points to; lstat without the '/' sees the link.
  CHECK(lstat("/sandbox/dirlink2/", &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(lstat("/sandbox/dirlink2", &st) == 0 && S_ISLNK(st.st_mode));
  // O_CREAT|O_EXCL does not follow a dangling symlink: the name exists.
  CHECK(symlink("nowhere.txt", "/sandbox/dangling") == 0);
  errno = 0;
  CHECK(open("/sandbox/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
  CHECK(access("/sandbox/nowhere.txt", F_OK) == -1);
  // Without O_EXCL, O_CREAT creates the link's target.
  fd = open("/sandbox/dangling", O_CREAT | O_WRONLY, 0644);
  CHECK(fd >= 0 && close(fd) == 0);
  CHECK(stat("/sandbox/nowhere.txt", &st) == 0 && S_ISREG(st.st_mode));
  CHECK(unlink("/sandbox/dangling") == 0 && unlink("/sandbox/nowhere.txt") == 0);

  // Timestamps.
  struct timespec times[2] = {{1000000000, 0}, {1234567890, 500}};
  CHECK(utimensat(AT_FDCWD, "/sandbox/renamed.txt", times, 0) == 0);
  CHECK(stat("/sandbox/renamed.txt", &st) == 0);
  printf("mtime %lld.%09ld atime %lld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
         (long long)st.st_atim.tv_sec);

  // Unlink; the directory listing at the end.
  CHECK(unlink("/sandbox/dir2/moved.txt") == 0);
  CHECK(rmdir("/sandbox/dir2") == 0);
  CHECK(unlink("/sandbox/remove_me.txt") == 0);
  DIR* d = opendir("/sandbox");
  CHECK(d != NULL);
  char names[32][64];
  int count = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL && count < 32) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(names[count++], 64, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" : "");
  }
  closedir(d);
  qsort(names, count, 64, (int (*)(const void*, const void*))strcmp);
  printf("listing:");
  for (int i = 0; i < count; ++i) printf(" %s", names[i]);
  printf("\n");
  return 0;
}
