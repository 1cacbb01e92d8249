// clock_gettime, clock_getres, getentropy and arc4random must work; only
// deterministic facts are printed.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  int ok = 1;
  struct timespec rt, m1, m2, res;
  if (clock_gettime(CLOCK_REALTIME, &rt) != 0) { printf("clock_gettime(REALTIME) failed\n"); ok = 0; }
  else printf("realtime after 2020: %s\n", rt.tv_sec > 1577836800 ? "yes" : "no");
  if (clock_gettime(CLOCK_MONOTONIC, &m1) != 0 || clock_gettime(CLOCK_MONOTONIC, &m2) != 0) {
    printf("clock_gettime(MONOTONIC) failed\n"); ok = 0;
  } else {
    int nondecreasing = m2.tv_sec > m1.tv_sec || (m2.tv_sec == m1.tv_sec && m2.tv_nsec >= m1.tv_nsec);
    printf("monotonic nondecreasing: %s\n", nondecreasing ? "yes" : "no");
    printf("nsec in range: %s\n", (m1.tv_nsec >= 0 && m1.tv_nsec < 1000000000) ? "yes" : "no");
  }
  if (clock_getres(CLOCK_MONOTONIC, &res) != 0) { printf("clock_getres failed\n"); ok = 0; }
  else printf("resolution positive and below 1s: %s\n",
              (res.tv_sec == 0 && res.tv_nsec > 0) ? "yes" : "no");
  time_t t = time(NULL);
  printf("time() after 2020: %s\n", t > 1577836800 ? "yes" : "no");

  unsigned char a[32], b[32];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) { printf("getentropy failed\n"); ok = 0; }
  else printf("getentropy buffers differ: %s\n", memcmp(a, b, sizeof a) != 0 ? "yes" : "no");
  arc4random_buf(a, sizeof a);
  arc4random_buf(b, sizeof b);
  printf("arc4random_buf buffers differ: %s\n", memcmp(a, b, sizeof a) != 0 ? "yes" : "no");
  uint32_t x = arc4random(), y = arc4random(), z = arc4random();
  printf("arc4random values not all equal: %s\n", (x != y || y != z) ? "yes" : "no");
  printf("arc4random_uniform in range: %s\n", arc4random_uniform(10) < 10 ? "yes" : "no");
  return ok ? 0 : 1;
}
