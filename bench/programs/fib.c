/* Doubly recursive Fibonacci plus Takeuchi's function: call-heavy code,
 * where the cost is the call, the prologue and the return. Size: n for fib. */
#include "common.h"

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int tak(int x, int y, int z) {
  return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

int main(int argc, char **argv) {
  uint32_t n = (uint32_t)bench_size(argc, argv, 40, 27);
  uint32_t f = fib(n);
  int t = tak((int)n / 2 + 6, (int)n / 4, 0);
  printf("fib(%u) = %u\ntak = %d\n", n, f, t);
  print_checksum("fib", hash_u64(hash_u64(HASH_INIT, f), (uint32_t)t));
  return 0;
}
