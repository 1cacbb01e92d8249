/* Sieve of Eratosthenes over odd numbers, one byte per candidate, repeated;
 * counts the primes and sums them. Size: the limit, in millions. */
#include "common.h"

static uint64_t sieve(uint32_t limit, unsigned char *composite, uint64_t *sum) {
  uint32_t half = limit / 2; /* index i stands for 2*i+1 */
  memset(composite, 0, half);
  for (uint32_t i = 1; (uint64_t)(2 * i + 1) * (2 * i + 1) < limit; i++) {
    if (composite[i]) continue;
    uint32_t p = 2 * i + 1;
    for (uint32_t j = (p * p) / 2; j < half; j += p) composite[j] = 1;
  }
  uint64_t count = limit > 2 ? 1 : 0, s = limit > 2 ? 2 : 0;
  for (uint32_t i = 1; i < half; i++)
    if (!composite[i]) {
      count++;
      s += 2 * i + 1;
    }
  *sum = s;
  return count;
}

int main(int argc, char **argv) {
  long millions = bench_size(argc, argv, 50, 4);
  uint32_t limit = (uint32_t)(millions * 1000000);
  unsigned char *composite = xmalloc(limit / 2 + 1);
  uint64_t h = HASH_INIT;
  for (int round = 0; round < 14; round++) {
    uint64_t sum = 0;
    uint64_t count = sieve(limit - (uint32_t)round * 1000u, composite, &sum);
    printf("primes below %u: %" PRIu64 "\n", limit - (uint32_t)round * 1000u, count);
    h = hash_u64(hash_u64(h, count), sum);
  }
  print_checksum("sieve", h);
  free(composite);
  return 0;
}
