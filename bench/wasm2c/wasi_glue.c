/* The part of WASI preview 1 that the benchmark programs (and wasi-libc's
 * start-up code) import, for modules translated to C by wabt's wasm2c
 * (1.0.32 naming: Z_wasi_snapshot_preview1Z_<name>, first argument the
 * import module's instance). wabt ships no WASI implementation, so this is
 * ours: stdout and stderr, arguments, an empty environment, clocks, random
 * bytes, and no preopened directories. Every guest pointer is range-checked
 * against the linear memory before use.
 *
 * Only functions that a module imports are declared in its generated header;
 * the rest here are simply unused by that module. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasm-rt.h"
#include "wasi_glue.h"

/* WASI errno values (wasi_snapshot_preview1) */
enum {
  WASI_ESUCCESS = 0, WASI_EBADF = 8, WASI_EFAULT = 21, WASI_EINVAL = 28, WASI_EIO = 29,
  WASI_ENOSYS = 52, WASI_ESPIPE = 70,
};

typedef struct Z_wasi_snapshot_preview1_instance_t wasi_t;

/* A pointer to len bytes of guest memory at addr, or NULL if out of range. */
static uint8_t *guest(wasi_t *w, uint32_t addr, uint64_t len) {
  wasm_rt_memory_t *m = w->memory;
  if ((uint64_t)addr + len > m->size) return NULL;
  return m->data + addr;
}

static int put_u32(wasi_t *w, uint32_t addr, uint32_t v) {
  uint8_t *p = guest(w, addr, 4);
  if (!p) return 0;
  memcpy(p, &v, 4); /* wasm is little-endian, like x86-64 */
  return 1;
}

static int put_u64(wasi_t *w, uint32_t addr, uint64_t v) {
  uint8_t *p = guest(w, addr, 8);
  if (!p) return 0;
  memcpy(p, &v, 8);
  return 1;
}

static uint32_t errno_to_wasi(int e) {
  switch (e) {
    case EBADF: return WASI_EBADF;
    case EFAULT: return WASI_EFAULT;
    case EINVAL: return WASI_EINVAL;
    case ESPIPE: return WASI_ESPIPE;
    default: return WASI_EIO;
  }
}

uint32_t Z_wasi_snapshot_preview1Z_args_sizes_get(wasi_t *w, uint32_t argc_ptr, uint32_t size_ptr) {
  uint32_t size = 0;
  for (int i = 0; i < w->argc; i++) size += (uint32_t)strlen(w->argv[i]) + 1;
  if (!put_u32(w, argc_ptr, (uint32_t)w->argc) || !put_u32(w, size_ptr, size)) return WASI_EFAULT;
  return WASI_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_args_get(wasi_t *w, uint32_t argv_ptr, uint32_t buf_ptr) {
  for (int i = 0; i < w->argc; i++) {
    uint32_t len = (uint32_t)strlen(w->argv[i]) + 1;
    uint8_t *dst = guest(w, buf_ptr, len);
    if (!dst || !put_u32(w, argv_ptr + 4 * (uint32_t)i, buf_ptr)) return WASI_EFAULT;
    memcpy(dst, w->argv[i], len);
    buf_ptr += len;
  }
  return WASI_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_environ_sizes_get(wasi_t *w, uint32_t count_ptr, uint32_t size_ptr) {
  if (!put_u32(w, count_ptr, 0) || !put_u32(w, size_ptr, 0)) return WASI_EFAULT;
  return WASI_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_environ_get(wasi_t *w, uint32_t environ_ptr, uint32_t buf_ptr) {
  (void)w; (void)environ_ptr; (void)buf_ptr;
  return WASI_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_write(wasi_t *w, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                            uint32_t nwritten_ptr) {
  if (fd != 1 && fd != 2) return WASI_EBADF;
  if (iovs_len > 1024) return WASI_EINVAL;
  struct iovec host[1024];
  for (uint32_t i = 0; i < iovs_len; i++) {
    uint8_t *entry = guest(w, iovs + 8 * i, 8);
    if (!entry) return WASI_EFAULT;
    uint32_t buf, len;
    memcpy(&buf, entry, 4);
    memcpy(&len, entry + 4, 4);
    uint8_t *data = guest(w, buf, len);
    if (!data) return WASI_EFAULT;
    host[i].iov_base = data;
    host[i].iov_len = len;
  }
  ssize_t n;
  do n = writev((int)fd, host, (int)iovs_len);
  while (n < 0 && errno == EINTR);
  if (n < 0) return errno_to_wasi(errno);
  return put_u32(w, nwritten_ptr, (uint32_t)n) ? WASI_ESUCCESS : WASI_EFAULT;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_read(wasi_t *w, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                                           uint32_t nread_ptr) {
  if (fd != 0) return WASI_EBADF;
  uint32_t total = 0;
  for (uint32_t i = 0; i < iovs_len; i++) {
    uint8_t *entry = guest(w, iovs + 8 * i, 8);
    if (!entry) return WASI_EFAULT;
    uint32_t buf, len;
    memcpy(&buf, entry, 4);
    memcpy(&len, entry + 4, 4);
    uint8_t *data = guest(w, buf, len);
    if (!data) return WASI_EFAULT;
    ssize_t n;
    do n = read(0, data, len);
    while (n < 0 && errno == EINTR);
    if (n < 0) return errno_to_wasi(errno);
    total += (uint32_t)n;
    if ((uint32_t)n < len) break;
  }
  return put_u32(w, nread_ptr, total) ? WASI_ESUCCESS : WASI_EFAULT;
}

/* fdstat: u8 filetype, u16 flags at 2, u64 rights_base at 8, u64 rights_inheriting at 16 */
uint32_t Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasi_t *w, uint32_t fd, uint32_t stat_ptr) {
  if (fd > 2) return WASI_EBADF;
  struct stat st;
  if (fstat((int)fd, &st) != 0) return errno_to_wasi(errno);
  uint8_t filetype = 0;          /* unknown */
  uint64_t rights = ~(uint64_t)0;
  if (S_ISCHR(st.st_mode)) {
    filetype = 2;                /* character device: no seek (bit 2), no tell (bit 5) */
    rights &= ~((1ull << 2) | (1ull << 5));
  } else if (S_ISREG(st.st_mode)) {
    filetype = 4;
  } else if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) {
    filetype = 6;                /* socket stream, as other runtimes report pipes */
  }
  uint8_t *p = guest(w, stat_ptr, 24);
  if (!p) return WASI_EFAULT;
  memset(p, 0, 24);
  p[0] = filetype;
  memcpy(p + 8, &rights, 8);
  memcpy(p + 16, &rights, 8);
  return WASI_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_seek(wasi_t *w, uint32_t fd, uint64_t offset, uint32_t whence,
                                           uint32_t newoffset_ptr) {
  if (fd > 2) return WASI_EBADF;
  static const int host_whence[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
  if (whence > 2) return WASI_EINVAL;
  off_t r = lseek((int)fd, (off_t)offset, host_whence[whence]);
  if (r < 0) return errno_to_wasi(errno);
  return put_u64(w, newoffset_ptr, (uint64_t)r) ? WASI_ESUCCESS : WASI_EFAULT;
}

uint32_t Z_wasi_snapshot_preview1Z_fd_close(wasi_t *w, uint32_t fd) {
  (void)w;
  return fd <= 2 ? WASI_ESUCCESS : WASI_EBADF; /* stdio stays open for the host */
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_get(wasi_t *w, uint32_t fd, uint32_t prestat_ptr) {
  (void)w; (void)fd; (void)prestat_ptr;
  return WASI_EBADF; /* no preopened directories */
}

uint32_t Z_wasi_snapshot_preview1Z_fd_prestat_dir_name(wasi_t *w, uint32_t fd, uint32_t path, uint32_t len) {
  (void)w; (void)fd; (void)path; (void)len;
  return WASI_EBADF;
}

uint32_t Z_wasi_snapshot_preview1Z_clock_time_get(wasi_t *w, uint32_t id, uint64_t precision,
                                                  uint32_t time_ptr) {
  (void)precision;
  static const clockid_t clocks[4] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                      CLOCK_THREAD_CPUTIME_ID};
  if (id > 3) return WASI_EINVAL;
  struct timespec ts;
  if (clock_gettime(clocks[id], &ts) != 0) return errno_to_wasi(errno);
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  return put_u64(w, time_ptr, ns) ? WASI_ESUCCESS : WASI_EFAULT;
}

uint32_t Z_wasi_snapshot_preview1Z_clock_res_get(wasi_t *w, uint32_t id, uint32_t res_ptr) {
  if (id > 3) return WASI_EINVAL;
  return put_u64(w, res_ptr, 1) ? WASI_ESUCCESS : WASI_EFAULT;
}

uint32_t Z_wasi_snapshot_preview1Z_random_get(wasi_t *w, uint32_t buf, uint32_t len) {
  uint8_t *p = guest(w, buf, len);
  if (!p) return WASI_EFAULT;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_to_wasi(errno);
    }
    p += n;
    len -= (uint32_t)n;
  }
  return WASI_ESUCCESS;
}

uint32_t Z_wasi_snapshot_preview1Z_sched_yield(wasi_t *w) {
  (void)w;
  return WASI_ESUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(wasi_t *w, uint32_t code) {
  (void)w;
  exit((int)code); /* nothing is buffered on the host side: fd_write writes through */
}
