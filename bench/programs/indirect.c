/* Calls through function pointers: a table of operations picked by data (as
 * in an event dispatcher or a plug-in filter chain) and a generic merge sort
 * that compares through a callback (as qsort does). Size: millions of
 * dispatched calls. */
#include "common.h"

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t x);

static uint32_t op_add(uint32_t a, uint32_t x) { return a + x; }
static uint32_t op_sub(uint32_t a, uint32_t x) { return a - x; }
static uint32_t op_xor(uint32_t a, uint32_t x) { return a ^ x; }
static uint32_t op_mul(uint32_t a, uint32_t x) { return a * (x | 1); }
static uint32_t op_rotl(uint32_t a, uint32_t x) { return a << (x & 31) | a >> ((32 - (x & 31)) & 31); }
static uint32_t op_mix(uint32_t a, uint32_t x) { return (a ^ (a >> 15)) * 0x2c1b3c6d + x; }
static uint32_t op_min(uint32_t a, uint32_t x) { return a < x ? a : x ^ a; }
static uint32_t op_avg(uint32_t a, uint32_t x) { return (a & x) + ((a ^ x) >> 1); }

static op_fn const ops[8] = {op_add, op_sub, op_xor, op_mul, op_rotl, op_mix, op_min, op_avg};

typedef struct {
  uint32_t key;
  uint32_t group;
  uint64_t payload;
} item_t;

typedef int (*cmp_fn)(const void *, const void *);

static int by_key(const void *a, const void *b) {
  uint32_t x = ((const item_t *)a)->key, y = ((const item_t *)b)->key;
  return (x > y) - (x < y);
}
static int by_group_then_key(const void *a, const void *b) {
  const item_t *x = a, *y = b;
  if (x->group != y->group) return x->group < y->group ? -1 : 1;
  return by_key(a, b);
}

/* Stable top-down merge sort of n items of `size` bytes. */
static void merge_sort(unsigned char *base, unsigned char *tmp, size_t n, size_t size, cmp_fn cmp) {
  if (n < 2) return;
  size_t half = n / 2;
  merge_sort(base, tmp, half, size, cmp);
  merge_sort(base + half * size, tmp, n - half, size, cmp);
  size_t i = 0, j = half, k = 0;
  while (i < half && j < n) {
    if (cmp(base + j * size, base + i * size) < 0)
      memcpy(tmp + k++ * size, base + j++ * size, size);
    else
      memcpy(tmp + k++ * size, base + i++ * size, size);
  }
  while (i < half) memcpy(tmp + k++ * size, base + i++ * size, size);
  while (j < n) memcpy(tmp + k++ * size, base + j++ * size, size);
  memcpy(base, tmp, n * size);
}

int main(int argc, char **argv) {
  long millions = bench_size(argc, argv, 100, 2);
  enum { MASK = 4095 };
  unsigned char code[MASK + 1];
  uint32_t data[MASK + 1];
  rng_t r = {11};
  for (int i = 0; i <= MASK; i++) {
    uint64_t v = rng_next(&r);
    code[i] = (unsigned char)(v & 7);
    data[i] = (uint32_t)(v >> 32);
  }
  uint32_t acc = 1;
  long calls = millions * 1000000;
  for (long i = 0; i < calls; i++) acc = ops[code[i & MASK]](acc, data[i & MASK] + (uint32_t)i);
  printf("dispatch: %ld calls, acc=%08x\n", calls, acc);

  size_t n = (size_t)millions * 2000;
  item_t *items = xmalloc(n * sizeof *items), *tmp = xmalloc(n * sizeof *tmp);
  for (size_t i = 0; i < n; i++) {
    uint64_t v = rng_next(&r);
    items[i].key = (uint32_t)v;
    items[i].group = (uint32_t)(v >> 32) % 64;
    items[i].payload = i;
  }
  merge_sort((unsigned char *)items, (unsigned char *)tmp, n, sizeof *items, by_key);
  uint64_t h = hash_u64(HASH_INIT, acc);
  for (size_t i = 0; i < n; i += 97) h = hash_u64(h, items[i].payload);
  merge_sort((unsigned char *)items, (unsigned char *)tmp, n, sizeof *items, by_group_then_key);
  for (size_t i = 0; i < n; i += 97) h = hash_u64(h, items[i].payload);
  printf("sorted %zu items twice\n", n);
  print_checksum("indirect", h);
  free(items); free(tmp);
  return 0;
}
