/* Fannkuch-redux (the classic benchmark): walk all permutations of 1..n,
 * counting prefix reversals ("pancake flips") until 1 comes first; small
 * arrays, data-dependent branches. Size: n. */
#include "common.h"

int main(int argc, char **argv) {
  int n = (int)bench_size(argc, argv, 11, 9);
  if (n < 3 || n > 15) {
    fprintf(stderr, "n must be in 3..15\n");
    return 2;
  }
  int perm[16], perm1[16], count[16];
  int max_flips = 0, checksum = 0, perm_count = 0, r = n;
  for (int i = 0; i < n; i++) perm1[i] = i;
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
    /* next permutation in the benchmark's rotation order */
    for (;;) {
      if (r == n) {
        printf("%d\nPfannkuchen(%d) = %d\n", checksum, n, max_flips);
        print_checksum("fannkuch",
                       hash_u64(hash_u64(HASH_INIT, (uint32_t)checksum), (uint32_t)max_flips));
        return 0;
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
