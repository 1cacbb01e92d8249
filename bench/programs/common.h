/* Shared helpers for Kiln's benchmark programs.
 *
 * Every program is plain C that builds the same way natively (clang -O2) and
 * for wasm32-wasi, and prints a deterministic result: integer checksums, or
 * the exact bits of floating-point results (IEEE arithmetic is the same on
 * both targets as long as nothing calls libm beyond sqrt, which is exact).
 *
 * The first argument sets the amount of work:
 *   (none)   the full size (about a second natively on the reference machine)
 *   quick    a small size for smoke runs and CI (a few tens of milliseconds)
 *   N        an explicit size, in the program's own unit
 */
#ifndef KILN_BENCH_COMMON_H
#define KILN_BENCH_COMMON_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline long bench_size(int argc, char **argv, long full, long quick) {
  if (argc < 2) return full;
  if (strcmp(argv[1], "quick") == 0) return quick;
  if (strcmp(argv[1], "full") == 0) return full;
  char *end = NULL;
  long n = strtol(argv[1], &end, 10);
  if (end == argv[1] || *end != '\0' || n <= 0) {
    fprintf(stderr, "usage: %s [quick|full|SIZE]\n", argv[0]);
    exit(2);
  }
  return n;
}

/* splitmix64: a small deterministic generator for inputs. */
typedef struct { uint64_t s; } rng_t;
static inline uint64_t rng_next(rng_t *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
/* A double in [-1, 1) with 31 significant bits: exact on every target. */
static inline double rng_unit(rng_t *r) {
  return (double)(int32_t)(uint32_t)rng_next(r) / 2147483648.0;
}

/* Order-sensitive 64-bit hash of a stream of words (FNV-1a style mixing). */
static inline uint64_t hash_u64(uint64_t h, uint64_t v) {
  h ^= v;
  h *= 0x100000001B3ull;
  return h ^ (h >> 29);
}
static inline uint64_t hash_f64(uint64_t h, double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return hash_u64(h, bits);
}
static inline uint64_t hash_f32(uint64_t h, float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return hash_u64(h, bits);
}
static inline uint64_t hash_bytes(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001B3ull;
  return h;
}
#define HASH_INIT 0xCBF29CE484222325ull

static inline void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    exit(3);
  }
  return p;
}

/* One line per result, `key=value`; the harness compares the whole output. */
static inline void print_checksum(const char *name, uint64_t h) {
  printf("%s checksum=%016" PRIx64 "\n", name, h);
}

#endif
