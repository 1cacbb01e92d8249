/* Fannkuch-redux (the classic benchmark): walk all permutations of n items,
 * counting prefix reversals ("pancake flips") until item 0 comes first; small
 * arrays, data-dependent branches. Each round walks all 9! permutations, from
 * a different starting permutation (so each round's signed checksum differs).
 * Size: rounds. */
#include "common.h"

#define NMAX 16

static void fannkuch(int n, const int *start, int *out_checksum, int *out_max_flips) {
  int perm[NMAX], perm1[NMAX], count[NMAX];
  int max_flips = 0, checksum = 0, perm_count = 0, r = n;
  for (int i = 0; i < n; i++) perm1[i] = start[i];
  for (;;) {
    while (r != 1) {
      count[r - 1] = r;
      r--;
    }
    for (int i = 0; i < n; i++) perm[i] = perm1[i];
    int flips = 0, k;
    while ((k = perm[0]) != 0) {
      for (int i = 0, j = k; i < j; i++, j--) {
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      flips++;
    }
    if (flips > max_flips) max_flips = flips;
    checksum += (perm_count % 2 == 0) ? flips : -flips;
    /* next permutation, in the benchmark's rotation order */
    for (;;) {
      if (r == n) {
        *out_checksum = checksum;
        *out_max_flips = max_flips;
        return;
      }
      int p0 = perm1[0];
      for (int i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = p0;
      if (--count[r] > 0) break;
      r++;
    }
    perm_count++;
  }
}

int main(int argc, char **argv) {
  long rounds = bench_size(argc, argv, 40, 2);
  const int n = 9;
  int start[NMAX];
  uint64_t h = HASH_INIT;
  rng_t rng = {1234};
  for (int i = 0; i < n; i++) start[i] = i;
  for (long round = 0; round < rounds; round++) {
    int checksum, max_flips;
    fannkuch(n, start, &checksum, &max_flips);
    if (round == 0) printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
    h = hash_u64(hash_u64(h, (uint32_t)checksum), (uint32_t)max_flips);
    /* next start: a random transposition of the current one */
    int a = (int)(rng_next(&rng) % n), b = (int)(rng_next(&rng) % n);
    int t = start[a];
    start[a] = start[b];
    start[b] = t;
  }
  printf("fannkuch rounds=%ld\n", rounds);
  print_checksum("fannkuch", h);
  return 0;
}
