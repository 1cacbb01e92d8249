// WASI preview 1 errno and rights rules for the path functions, one line per
// rule: "rule: ERRNO". Raw imports with explicit lengths (so that a path can
// hold a NUL byte), on the preopen fd 3 (--dir data::/d). The expected values
// are Wasmtime's on Linux, which the upstream wasi-testsuite checks. Rights
// (which Wasmtime no longer enforces): a descriptor's own missing right is
// EBADF, a right its directory lacks or does not pass on EPERM, taking a
// right back ENOTCAPABLE (docs/wasi.md).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(path_open)
int32_t raw_path_open(int32_t fd, int32_t dirflags, const char* path, size_t len, int32_t oflags, int64_t base,
                      int64_t inheriting, int32_t fdflags, int32_t* out);
WASI(path_filestat_get)
int32_t raw_path_filestat_get(int32_t fd, int32_t flags, const char* path, size_t len, uint8_t* stat);
WASI(path_filestat_set_times)
int32_t raw_path_filestat_set_times(int32_t fd, int32_t flags, const char* path, size_t len, int64_t atim,
                                    int64_t mtim, int32_t fstflags);
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
WASI(fd_write) int32_t raw_fd_write(int32_t fd, const void* iovs, size_t count, int32_t* nwritten);
WASI(fd_close) int32_t raw_fd_close(int32_t fd);
WASI(fd_fdstat_get) int32_t raw_fd_fdstat_get(int32_t fd, uint8_t* stat);
WASI(fd_fdstat_set_rights) int32_t raw_fd_fdstat_set_rights(int32_t fd, int64_t base, int64_t inheriting);
WASI(fd_filestat_get) int32_t raw_fd_filestat_get(int32_t fd, uint8_t* stat);
WASI(fd_readdir) int32_t raw_fd_readdir(int32_t fd, uint8_t* buf, size_t len, uint64_t cookie, int32_t* used);
WASI(fd_seek) int32_t raw_fd_seek(int32_t fd, int64_t offset, int32_t whence, uint64_t* position);

#define FOLLOW 1
#define O_CREAT_ 1
#define O_DIRECTORY_ 2
#define O_EXCL_ 4
#define O_TRUNC_ 8
#define R_FD_READ (1ll << 1)
#define R_FD_WRITE (1ll << 6)
#define R_FD_ALLOCATE (1ll << 8)
#define R_PATH_CREATE_DIRECTORY (1ll << 9)
#define R_PATH_CREATE_FILE (1ll << 10)
#define R_PATH_FILESTAT_SET_SIZE (1ll << 19)
#define R_FD_FILESTAT_SET_SIZE (1ll << 22)
#define FST_MTIM 4
#define FST_MTIM_NOW 8

static const char* const kNames[] = {
    "SUCCESS", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT", "AGAIN", "ALREADY", "BADF",
    "BADMSG", "BUSY", "CANCELED", "CHILD", "CONNABORTED", "CONNREFUSED", "CONNRESET", "DEADLK", "DESTADDRREQ",
    "DOM", "DQUOT", "EXIST", "FAULT", "FBIG", "HOSTUNREACH", "IDRM", "ILSEQ", "INPROGRESS", "INTR", "INVAL", "IO",
    "ISCONN", "ISDIR", "LOOP", "MFILE", "MLINK", "MSGSIZE", "MULTIHOP", "NAMETOOLONG", "NETDOWN", "NETRESET",
    "NETUNREACH", "NFILE", "NOBUFS", "NODEV", "NOENT", "NOEXEC", "NOLCK", "NOLINK", "NOMEM", "NOMSG",
    "NOPROTOOPT", "NOSPC", "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY", "NOTRECOVERABLE", "NOTSOCK", "NOTSUP",
    "NOTTY", "NXIO", "OVERFLOW", "OWNERDEAD", "PERM", "PIPE", "PROTO", "PROTONOSUPPORT", "PROTOTYPE", "RANGE",
    "ROFS", "SPIPE", "SRCH", "STALE", "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE"};

static void rule(const char* name, int32_t e) {
  if (e >= 0 && e < (int32_t)(sizeof kNames / sizeof kNames[0]))
    printf("%s: %s\n", name, kNames[e]);
  else
    printf("%s: errno %d\n", name, e);
}

// path_open with the given oflags and base rights (inheriting: none);
// closes what it opened.
static int32_t open_rights(int32_t dir, int32_t lookup, const char* path, int32_t oflags, int64_t base) {
  int32_t fd = -1;
  int32_t e = raw_path_open(dir, lookup, path, strlen(path), oflags, base, 0, 0, &fd);
  if (e == 0) raw_fd_close(fd);
  return e;
}
static int32_t open_at(const char* path, int32_t lookup, int32_t oflags) { return open_rights(3, lookup, path, oflags, 0); }

static int32_t stat_at(int32_t dir, const char* path, int32_t lookup) {
  uint8_t st[64];
  return raw_path_filestat_get(dir, lookup, path, strlen(path), st);
}
static int32_t mkdir_at(int32_t dir, const char* path) { return raw_path_create_directory(dir, path, strlen(path)); }
static int32_t rmdir_at(const char* path) { return raw_path_remove_directory(3, path, strlen(path)); }
static int32_t unlink_at(int32_t dir, const char* path) { return raw_path_unlink_file(dir, path, strlen(path)); }
static int32_t rename_at(const char* from, const char* to) {
  return raw_path_rename(3, from, strlen(from), 3, to, strlen(to));
}
static int32_t link_at(int32_t flags, const char* from, const char* to) {
  return raw_path_link(3, flags, from, strlen(from), 3, to, strlen(to));
}
static int32_t symlink_at(const char* target, const char* at) {
  return raw_path_symlink(target, strlen(target), 3, at, strlen(at));
}
static int32_t readlink_at(const char* path, char* buf, size_t len, int32_t* used) {
  return raw_path_readlink(3, path, strlen(path), buf, len, used);
}
static int32_t filetype_of(const char* path, int32_t lookup) {
  uint8_t st[64];
  int32_t e = raw_path_filestat_get(3, lookup, path, strlen(path), st);
  return e ? -e : st[16];
}

int main(void) {
  // Made here: an empty directory, a non-empty one (from the case's files).
  rule("setup: mkdir dir", mkdir_at(3, "dir"));
  rule("setup: mkdir dir2", mkdir_at(3, "dir2"));

  // --- path_open: the descriptor and the components on the way ---
  int32_t file_fd = -1;
  rule("setup: open file", raw_path_open(3, 0, "file", 4, 0, R_FD_READ, 0, 0, &file_fd));
  rule("path_open, a regular file as the directory fd", open_rights(file_fd, 0, "x", O_CREAT_, 0));
  rule("path_open, stdout as the directory fd", open_rights(1, 0, "x", 0, 0));
  rule("path_open, a closed fd as the directory fd", open_rights(99, 0, "x", 0, 0));
  rule("path_open, a path through a file (file/x)", open_at("file/x", 0, 0));
  rule("path_open, a path through a file (file/../file)", open_at("file/../file", 0, 0));
  rule("path_open, creating through a file (file/x, O_CREAT)", open_rights(3, 0, "file/x", O_CREAT_, 0));
  rule("path_open, a path through a link to a file (filelink/x)", open_at("filelink/x", FOLLOW, 0));
  rule("path_open, a path through a missing directory", open_at("missing/x", 0, 0));
  rule("path_open, a path through a dangling link", open_at("dangling/x", 0, 0));
  rule("path_open, a missing file", open_at("missing", 0, 0));
  rule("path_open, the empty path", open_at("", 0, 0));
  {
    int32_t fd = -1;
    rule("path_open, a path with a NUL byte", raw_path_open(3, 0, "file\0", 5, 0, 0, 0, 0, &fd));
  }
  rule("path_open, an absolute path", open_at("/file", 0, 0));
  rule("path_open, .. above the directory", open_at("dir/../../file", 0, 0));

  // --- path_open: trailing slashes ---
  rule("path_open, file/ (a file with a trailing slash)", open_at("file/", 0, 0));
  rule("path_open, file/// (trailing slashes)", open_at("file///", 0, 0));
  rule("path_open, filelink/ (a link to a file, with a slash)", open_at("filelink/", 0, 0));
  rule("path_open, dir/ (a directory with a slash)", open_at("dir/", 0, 0));
  rule("path_open, dir/// (trailing slashes)", open_at("dir///", 0, 0));
  rule("path_open, dirlink/ (a link to a directory, with a slash)", open_at("dirlink/", 0, 0));
  rule("path_open, new/ with O_CREAT", open_at("new/", 0, O_CREAT_));

  // --- path_open: O_DIRECTORY and the rights asked for ---
  rule("path_open, . O_DIRECTORY, no rights", open_rights(3, 0, ".", O_DIRECTORY_, 0));
  rule("path_open, . O_DIRECTORY, fd_read", open_rights(3, 0, ".", O_DIRECTORY_, R_FD_READ));
  rule("path_open, . O_DIRECTORY, fd_read|fd_write", open_rights(3, 0, ".", O_DIRECTORY_, R_FD_READ | R_FD_WRITE));
  rule("path_open, dir O_DIRECTORY, fd_write", open_rights(3, 0, "dir", O_DIRECTORY_, R_FD_WRITE));
  rule("path_open, dir, fd_write (no O_DIRECTORY)", open_rights(3, 0, "dir", 0, R_FD_WRITE));
  rule("path_open, dir/, fd_read|fd_write", open_rights(3, 0, "dir/", 0, R_FD_READ | R_FD_WRITE));
  rule("path_open, dir, fd_filestat_set_size only", open_rights(3, 0, "dir", 0, R_FD_FILESTAT_SET_SIZE));
  rule("path_open, file O_DIRECTORY", open_at("file", 0, O_DIRECTORY_));
  rule("path_open, file O_DIRECTORY, fd_read|fd_write", open_rights(3, 0, "file", O_DIRECTORY_, R_FD_READ | R_FD_WRITE));
  rule("path_open, missing O_DIRECTORY, fd_write", open_rights(3, 0, "missing", O_DIRECTORY_, R_FD_WRITE));
  rule("path_open, O_DIRECTORY|O_CREAT", open_at("dir", 0, O_DIRECTORY_ | O_CREAT_));
  rule("path_open, O_DIRECTORY|O_EXCL", open_at("dir", 0, O_DIRECTORY_ | O_EXCL_));
  rule("path_open, O_DIRECTORY|O_TRUNC", open_at("dir", 0, O_DIRECTORY_ | O_TRUNC_));
  rule("path_open, dir with O_CREAT", open_at("dir", 0, O_CREAT_));
  rule("path_open, dir with O_TRUNC", open_at("dir", 0, O_TRUNC_));

  // --- path_open: existing names, symlinks ---
  rule("path_open, O_CREAT|O_EXCL on a file", open_at("file", 0, O_CREAT_ | O_EXCL_));
  rule("path_open, O_CREAT|O_EXCL on a directory", open_at("dir", 0, O_CREAT_ | O_EXCL_));
  rule("path_open, O_CREAT|O_EXCL on a dangling link", open_at("dangling", 0, O_CREAT_ | O_EXCL_));
  rule("path_open, O_CREAT|O_EXCL on a dangling link, following", open_at("dangling", FOLLOW, O_CREAT_ | O_EXCL_));
  rule("path_open, a dangling link, not following", open_at("dangling", 0, 0));
  rule("path_open, a dangling link, following", open_at("dangling", FOLLOW, 0));
  rule("path_open, a dangling link O_DIRECTORY, not following", open_at("dangling", 0, O_DIRECTORY_));
  rule("path_open, a link to a directory, not following", open_at("dirlink", 0, 0));
  rule("path_open, a link to a directory O_DIRECTORY, not following", open_at("dirlink", 0, O_DIRECTORY_));
  rule("path_open, a link to a directory O_DIRECTORY, following", open_at("dirlink", FOLLOW, O_DIRECTORY_));
  rule("path_open, a link to a file O_DIRECTORY, following", open_at("filelink", FOLLOW, O_DIRECTORY_));
  rule("path_open, a link to a file, following", open_at("filelink", FOLLOW, 0));
  rule("path_open, a link to itself, not following", open_at("loop", 0, 0));
  rule("path_open, a link to itself, following", open_at("loop", FOLLOW, 0));

  // --- path_open: truncation and the rights it needs ---
  rule("path_open, O_TRUNC with no fd rights", open_at("trunc.txt", 0, O_TRUNC_));
  {
    uint8_t st[64] = {0};
    raw_path_filestat_get(3, 0, "trunc.txt", 9, st);
    uint64_t size;
    memcpy(&size, st + 32, 8);
    printf("  trunc.txt size after it: %llu\n", (unsigned long long)size);
  }
  // A descriptor of dir2 with the preopen's rights, then without
  // path_filestat_set_size.
  uint8_t fdstat[24];
  raw_fd_fdstat_get(3, fdstat);
  int64_t base, inheriting;
  memcpy(&base, fdstat + 8, 8);
  memcpy(&inheriting, fdstat + 16, 8);
  int32_t sub = -1;
  rule("setup: open dir2 with the preopen's rights", raw_path_open(3, 0, "dir2", 4, O_DIRECTORY_, base, inheriting,
                                                                   0, &sub));
  rule("setup: drop path_filestat_set_size",
       raw_fd_fdstat_set_rights(sub, base & ~R_PATH_FILESTAT_SET_SIZE, inheriting));
  rule("setup: create dir2/f", open_rights(sub, 0, "f", O_CREAT_, 0));
  rule("path_open, O_TRUNC without path_filestat_set_size", open_rights(sub, 0, "f", O_TRUNC_, 0));
  rule("fd_fdstat_set_rights, taking a right back", raw_fd_fdstat_set_rights(sub, base, inheriting));
  rule("setup: drop path_create_file, path_create_directory, inheriting fd_allocate",
       raw_fd_fdstat_set_rights(sub, base & ~(R_PATH_FILESTAT_SET_SIZE | R_PATH_CREATE_FILE | R_PATH_CREATE_DIRECTORY),
                                inheriting & ~R_FD_ALLOCATE));
  rule("path_open, O_CREAT without path_create_file", open_rights(sub, 0, "g", O_CREAT_, 0));
  rule("path_create_directory without its right", mkdir_at(sub, "d"));
  rule("path_open, a right the directory does not pass on", open_rights(sub, 0, "f", 0, R_FD_ALLOCATE));
  raw_fd_close(sub);

  // --- fd rights: read and write need the rights the descriptor was opened with ---
  {
    int32_t ro = -1, wo = -1;
    char buf[8];
    struct { void* buf; size_t len; } iov = {buf, sizeof buf};
    int32_t n = 0;
    raw_path_open(3, 0, "file", 4, 0, R_FD_READ, 0, 0, &ro);
    raw_path_open(3, 0, "file2", 5, 0, R_FD_WRITE, 0, 0, &wo);
    rule("fd_read on a descriptor opened with fd_read", raw_fd_read(ro, &iov, 1, &n));
    rule("fd_write on a descriptor opened with fd_read only", raw_fd_write(ro, &iov, 1, &n));
    rule("fd_read on a descriptor opened with fd_write only", raw_fd_read(wo, &iov, 1, &n));
    rule("fd_read on a directory", raw_fd_read(3, &iov, 1, &n));
    rule("fd_write on a directory", raw_fd_write(3, &iov, 1, &n));
    uint64_t position = 0;
    rule("fd_seek on a descriptor opened with fd_read only", raw_fd_seek(ro, 1, 0, &position));
    uint8_t entries[128];
    rule("fd_readdir on a file", raw_fd_readdir(ro, entries, sizeof entries, 0, &n));
    rule("fd_readdir on stdout", raw_fd_readdir(1, entries, sizeof entries, 0, &n));
    raw_fd_close(ro);
    raw_fd_close(wo);
  }

  // --- the other path functions on a descriptor that is not a directory ---
  rule("path_filestat_get on a file descriptor", stat_at(file_fd, "x", 0));
  rule("path_create_directory on a file descriptor", mkdir_at(file_fd, "x"));
  rule("path_unlink_file on a file descriptor", unlink_at(file_fd, "x"));
  rule("path_filestat_get on stdout", stat_at(1, "x", 0));
  rule("path_filestat_get on a closed fd", stat_at(99, "x", 0));

  // --- path_filestat_get / set_times ---
  rule("path_filestat_get, file/", stat_at(3, "file/", 0));
  rule("path_filestat_get, file/x", stat_at(3, "file/x", 0));
  rule("path_filestat_get, dir/", stat_at(3, "dir/", 0));
  rule("path_filestat_get, a dangling link, following", stat_at(3, "dangling", FOLLOW));
  printf("  a dangling link, not following: filetype %d\n", filetype_of("dangling", 0));
  printf("  dirlink/ (the slash follows it): filetype %d\n", filetype_of("dirlink/", 0));
  rule("path_filestat_set_times, file/", raw_path_filestat_set_times(3, 0, "file/", 5, 0, 0, FST_MTIM));
  rule("path_filestat_set_times, mtim and mtim_now",
       raw_path_filestat_set_times(3, 0, "file", 5, 0, 0, FST_MTIM | FST_MTIM_NOW));

  // --- path_create_directory ---
  rule("path_create_directory, an existing directory", mkdir_at(3, "dir"));
  rule("path_create_directory, an existing file", mkdir_at(3, "file"));
  rule("path_create_directory, a dangling link", mkdir_at(3, "dangling"));
  rule("path_create_directory, through a file (file/sub)", mkdir_at(3, "file/sub"));
  rule("path_create_directory, newdir/ (a trailing slash)", mkdir_at(3, "newdir/"));

  // --- path_remove_directory ---
  rule("path_remove_directory, a file", rmdir_at("file"));
  rule("path_remove_directory, file/", rmdir_at("file/"));
  rule("path_remove_directory, a non-empty directory", rmdir_at("full"));
  rule("path_remove_directory, a missing name", rmdir_at("missing"));
  rule("path_remove_directory, a link to a directory", rmdir_at("dirlink"));
  rule("path_remove_directory, newdir/", rmdir_at("newdir/"));

  // --- path_unlink_file ---
  rule("path_unlink_file, a directory", unlink_at(3, "dir"));
  rule("path_unlink_file, dir/", unlink_at(3, "dir/"));
  rule("path_unlink_file, file/", unlink_at(3, "file/"));
  rule("path_unlink_file, a missing name", unlink_at(3, "missing"));
  rule("path_unlink_file, dirlink/ (a link to a directory, with a slash)", unlink_at(3, "dirlink/"));

  // --- path_rename ---
  rule("path_rename, a file onto a directory", rename_at("file2", "dir"));
  rule("path_rename, a directory onto a file", rename_at("dir", "file2"));
  rule("path_rename, a directory onto a non-empty directory", rename_at("dir", "full"));
  rule("path_rename, a directory into itself", rename_at("dir", "dir/inside"));
  rule("path_rename, file/ -> x", rename_at("file/", "x"));
  rule("path_rename, file -> x/", rename_at("file", "x/"));
  rule("path_rename, a missing name", rename_at("missing", "x"));
  rule("path_rename, dir/ -> moved", rename_at("dir/", "moved"));
  rule("path_rename, moved -> dir/", rename_at("moved", "dir/"));
  rule("path_rename, dir/ -> moved/", rename_at("dir/", "moved/"));
  rule("path_rename, moved -> dir", rename_at("moved", "dir"));

  // --- path_link ---
  rule("path_link, onto an existing file", link_at(0, "file", "file2"));
  rule("path_link, onto itself", link_at(0, "file", "file"));
  rule("path_link, onto a directory", link_at(0, "file", "dir"));
  rule("path_link, onto a dangling link", link_at(0, "file", "dangling"));
  rule("path_link, a directory", link_at(0, "dir", "hard"));
  rule("path_link, file -> new/ (a slash, missing)", link_at(0, "file", "hard/"));
  rule("path_link, file -> dir/ (a slash, a directory)", link_at(0, "file", "dir/"));
  rule("path_link, file -> file2/ (a slash, a file)", link_at(0, "file", "file2/"));
  rule("path_link, file/ -> hard", link_at(0, "file/", "hard"));
  rule("path_link, dir/ -> hard", link_at(0, "dir/", "hard"));
  rule("path_link, a missing name", link_at(0, "missing", "hard"));
  rule("path_link, a dangling link, not following", link_at(0, "dangling", "hard"));
  rule("  unlink that hard link", unlink_at(3, "hard"));
  rule("path_link, a link to itself, not following", link_at(0, "loop", "hard"));
  rule("  unlink that hard link", unlink_at(3, "hard"));
  rule("path_link, a dangling link, following", link_at(FOLLOW, "dangling", "hard"));

  // --- path_symlink ---
  rule("path_symlink, at new/ (a slash, missing)", symlink_at("t", "new/"));
  rule("path_symlink, at dir/ (a slash, a directory)", symlink_at("t", "dir/"));
  rule("path_symlink, at dir (a directory)", symlink_at("t", "dir"));
  rule("path_symlink, at file/ (a slash, a file)", symlink_at("t", "file/"));
  rule("path_symlink, at file (a file)", symlink_at("t", "file"));
  rule("path_symlink, at dangling (an existing link)", symlink_at("t", "dangling"));
  rule("path_symlink, at file/x (through a file)", symlink_at("t", "file/x"));
  rule("path_symlink, an absolute target", symlink_at("/etc", "abs"));

  // --- path_readlink ---
  {
    char buf[16];
    int32_t used = -1;
    rule("path_readlink, a file", readlink_at("file", buf, sizeof buf, &used));
    rule("path_readlink, a directory", readlink_at("dir", buf, sizeof buf, &used));
    rule("path_readlink, a missing name", readlink_at("missing", buf, sizeof buf, &used));
    rule("path_readlink, dirlink/ (the slash follows it)", readlink_at("dirlink/", buf, sizeof buf, &used));
    rule("path_readlink, filelink/ (the slash follows it)", readlink_at("filelink/", buf, sizeof buf, &used));
    memset(buf, '.', sizeof buf);
    rule("path_readlink, a 4-byte buffer", readlink_at("dangling", buf, 4, &used));
    printf("  used %d: \"%.6s\"\n", used, buf);
    memset(buf, '.', sizeof buf);
    rule("path_readlink, a large buffer", readlink_at("dangling", buf, sizeof buf, &used));
    printf("  used %d: \"%.9s\"\n", used, buf);
  }
  return 0;
}
