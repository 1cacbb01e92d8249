// poll_oneoff and clocks: C's sleep() and nanosleep(), relative and absolute
// clock subscriptions, fd subscriptions on stdin (a pipe with data), stdout
// and a regular file, per-subscription errors, and the clocks' resolutions.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WASI(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))
WASI(poll_oneoff) int32_t raw_poll_oneoff(const void* in, void* out, size_t n, int32_t* nevents);
WASI(clock_time_get) int32_t raw_clock_time_get(int32_t id, uint64_t precision, uint64_t* time);
WASI(clock_res_get) int32_t raw_clock_res_get(int32_t id, uint64_t* res);

typedef struct {
  uint64_t userdata;
  uint8_t tag;
  uint8_t pad[7];
  union {
    struct {
      uint32_t id;
      uint32_t pad;
      uint64_t timeout;
      uint64_t precision;
      uint16_t flags;
    } clock;
    struct {
      uint32_t fd;
    } fd;
  } u;
} subscription;  // 48 bytes

typedef struct {
  uint64_t userdata;
  uint16_t error;
  uint8_t type;
  uint8_t pad[5];
  uint64_t nbytes;
  uint16_t flags;
  uint8_t pad2[6];
} event;  // 32 bytes

_Static_assert(sizeof(subscription) == 48, "subscription layout");
_Static_assert(sizeof(event) == 32, "event layout");

static uint64_t now(int clock) {
  uint64_t t = 0;
  raw_clock_time_get(clock, 1, &t);
  return t;
}

static subscription clock_sub(uint64_t userdata, uint32_t id, uint64_t timeout, uint16_t flags) {
  subscription s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.tag = 0;
  s.u.clock.id = id;
  s.u.clock.timeout = timeout;
  s.u.clock.flags = flags;
  return s;
}

static subscription fd_sub(uint64_t userdata, uint8_t tag, uint32_t fd) {
  subscription s;
  memset(&s, 0, sizeof s);
  s.userdata = userdata;
  s.tag = tag;
  s.u.fd.fd = fd;
  return s;
}

int main(void) {
  // sleep() and nanosleep() (both become a clock subscription).
  uint64_t t0 = now(1);
  sleep(1);
  uint64_t slept = now(1) - t0;
  printf("sleep(1): %s\n", slept >= 1000000000ull && slept < 5000000000ull ? "about a second" : "WRONG");
  t0 = now(1);
  struct timespec ts = {0, 200000000};
  int r = nanosleep(&ts, NULL);
  slept = now(1) - t0;
  printf("nanosleep(200ms): %d, %s\n", r, slept >= 200000000ull && slept < 3000000000ull ? "about 200ms" : "WRONG");

  subscription subs[4];
  event events[4];
  int32_t n = -1;

  // Two timers: the earlier fires alone.
  subs[0] = clock_sub(11, 1, 5000000000ull, 0);
  subs[1] = clock_sub(22, 1, 50000000ull, 0);
  t0 = now(1);
  r = raw_poll_oneoff(subs, events, 2, &n);
  slept = now(1) - t0;
  printf("two timers: %d, %d event(s), userdata %llu, error %u, %s\n", r, n, (unsigned long long)events[0].userdata,
         events[0].error, slept >= 50000000ull && slept < 3000000000ull ? "after ~50ms" : "WRONG TIME");

  // An absolute deadline on the realtime clock.
  subs[0] = clock_sub(33, 0, now(0) + 100000000ull, 1);
  t0 = now(1);
  r = raw_poll_oneoff(subs, events, 1, &n);
  slept = now(1) - t0;
  printf("absolute realtime deadline: %d, %d event(s), userdata %llu, %s\n", r, n,
         (unsigned long long)events[0].userdata, slept >= 90000000ull && slept < 3000000000ull ? "after ~100ms" : "WRONG TIME");

  // stdin has data: its read subscription fires before a long timer.
  subs[0] = clock_sub(1, 1, 10000000000ull, 0);
  subs[1] = fd_sub(2, 1, 0);
  r = raw_poll_oneoff(subs, events, 2, &n);
  printf("stdin readable: %d, %d event(s), userdata %llu, type %u, error %u, nbytes %llu\n", r, n,
         (unsigned long long)events[0].userdata, events[0].type, events[0].error,
         (unsigned long long)events[0].nbytes);
  char line[16] = {0};
  printf("read: %zd \"%.4s\"\n", read(0, line, sizeof line - 1), line);

  // stdout is writable; a regular file is always ready (nbytes: what is left).
  int file = open("/dir/data.txt", O_RDONLY);
  char two[2];
  printf("open data.txt: %s, read %zd\n", file >= 0 ? "ok" : "failed", read(file, two, 2));
  subs[0] = fd_sub(5, 2, 1);
  subs[1] = fd_sub(6, 1, (uint32_t)file);
  r = raw_poll_oneoff(subs, events, 2, &n);
  int ok = r == 0 && n == 2;
  for (int i = 0; i < n; ++i) {
    if (events[i].userdata == 5) ok &= events[i].type == 2 && events[i].error == 0;
    if (events[i].userdata == 6) ok &= events[i].type == 1 && events[i].error == 0 && events[i].nbytes == 8;
  }
  printf("stdout writable and file readable (8 bytes left): %s\n", ok ? "yes" : "no");

  // Errors belong to their subscription's event.
  subs[0] = clock_sub(7, 99, 1, 0);
  subs[1] = fd_sub(8, 1, 1234);
  r = raw_poll_oneoff(subs, events, 2, &n);
  printf("bad clock and bad fd: %d, %d event(s):", r, n);
  for (int i = 0; i < n; ++i) printf(" [userdata %llu error %u]", (unsigned long long)events[i].userdata, events[i].error);
  printf("\n");
  printf("no subscriptions: %d\n", raw_poll_oneoff(subs, events, 0, &n));
  printf("events outside memory: %d\n", raw_poll_oneoff(subs, (void*)0xfffffff0u, 1, &n));
  printf("nevents outside memory: %d\n", raw_poll_oneoff(subs, events, 1, (int32_t*)0xfffffffeu));

  // Clocks.
  for (int id = 0; id < 4; ++id) {
    uint64_t res = 0;
    int32_t e = raw_clock_res_get(id, &res);
    printf("clock %d: res_get %d, resolution %s\n", id, e, res > 0 && res <= 1000000000ull ? "plausible" : "WRONG");
  }
  uint64_t a = now(1), b = now(1);
  printf("monotonic does not go back: %s\n", b >= a ? "yes" : "no");
  printf("realtime after 2020: %s\n", now(0) > 1577836800000000000ull ? "yes" : "no");
  uint64_t t;
  printf("clock 4: %d\n", raw_clock_time_get(4, 1, &t));
  close(file);
  return 0;
}
