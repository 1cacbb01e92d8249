// A computation-heavy program with checksums: sorting through qsort (function
// pointers: call_indirect), a hash over the result, 64-bit integer math,
// doubles printed with %.6f, malloc/free, memcpy/memset (bulk memory when
// built with -mbulk-memory), a switch dense enough for br_table, recursion,
// structs, and a small matrix multiply. Everything uses fixed-width types so
// the output is the same when compiled natively (the expected output was
// checked that way) and for wasm32.
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_random(void) {  // xorshift64*
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint64_t fnv1a(const void* data, size_t n, uint64_t h) {
  const unsigned char* p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001B3ull;
  }
  return h;
}

static int cmp_i32_asc(const void* a, const void* b) {
  int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
  return (x > y) - (x < y);
}
static int cmp_i32_desc(const void* a, const void* b) { return cmp_i32_asc(b, a); }

typedef struct {
  char name[12];
  double score;
  int32_t id;
} record;

static int cmp_record(const void* a, const void* b) {
  const record *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;  // descending score
  return strcmp(x->name, y->name);
}

// Dense switch: clang emits br_table for it. Wrapping math is done unsigned
// (signed overflow would be undefined behaviour).
static int64_t op(int code, int64_t acc, int64_t v) {
  switch (code) {
    case 0: return (int64_t)((uint64_t)acc + (uint64_t)v);
    case 1: return (int64_t)((uint64_t)acc - (uint64_t)v);
    case 2: return (int64_t)((uint64_t)acc * (uint64_t)(v | 1));
    case 3: return acc ^ (int64_t)((uint64_t)v << 7);
    case 4: return acc / ((v & 0xFF) + 1);
    case 5: return acc % ((v & 0xFFFF) + 3);
    case 6: return (int64_t)((uint64_t)acc >> (v & 31));
    case 7: return acc >> (v & 15);
    case 8: return (int64_t)((uint64_t)acc + (uint64_t)(int64_t)(int32_t)v);
    case 9: return ~acc;
    default: return acc + 1;
  }
}

static uint32_t collatz_steps(uint64_t n) {
  uint32_t steps = 0;
  while (n != 1) {
    n = (n & 1) ? 3 * n + 1 : n / 2;
    steps++;
  }
  return steps;
}

static int64_t ackermann_like(int32_t depth, int64_t x) {  // real recursion
  if (depth == 0) return x * 3 + 1;
  return ackermann_like(depth - 1, x + depth) ^ ackermann_like(depth - 1, x - depth);
}

int main(void) {
  // 1. Sort random integers both ways with qsort and hash them.
  enum { N = 20000 };
  int32_t* a = malloc(N * sizeof *a);
  int32_t* b = malloc(N * sizeof *b);
  if (!a || !b) return 1;
  for (int i = 0; i < N; i++) a[i] = (int32_t)(next_random() >> 33) - (1 << 30);
  memcpy(b, a, N * sizeof *a);
  qsort(a, N, sizeof *a, cmp_i32_asc);
  qsort(b, N, sizeof *b, cmp_i32_desc);
  int sorted = 1;
  for (int i = 1; i < N; i++) sorted &= a[i - 1] <= a[i] && b[i - 1] >= b[i] && a[i] == b[N - 1 - i];
  printf("sorted: %s, min %" PRId32 ", max %" PRId32 "\n", sorted ? "yes" : "no", a[0], a[N - 1]);
  printf("hash asc: %016" PRIx64 "\n", fnv1a(a, N * sizeof *a, 0xCBF29CE484222325ull));
  printf("hash desc: %016" PRIx64 "\n", fnv1a(b, N * sizeof *b, 0xCBF29CE484222325ull));
  free(b);

  // 2. memset/memcpy on a big buffer.
  unsigned char* buf = malloc(1 << 20);
  if (!buf) return 1;
  memset(buf, 0xA5, 1 << 20);
  memcpy(buf + 100, a, 4000);
  memmove(buf + 150, buf + 100, 3000);  // overlapping
  memset(buf + 70000, 0, 12345);
  printf("buffer hash: %016" PRIx64 "\n", fnv1a(buf, 1 << 20, 0xCBF29CE484222325ull));
  free(buf);
  free(a);

  // 3. 64-bit integer math through a br_table switch.
  int64_t acc = 0x123456789ABCDEFll;
  for (int i = 0; i < 100000; i++) {
    int code = (int)(next_random() % 11);  // sequenced: argument order is unspecified
    acc = op(code, acc, (int64_t)next_random());
  }
  printf("switch acc: %" PRId64 "\n", acc);
  uint64_t u = 1;
  for (int i = 1; i <= 25; i++) u *= (uint64_t)i;  // 25! mod 2^64
  printf("25! mod 2^64: %" PRIu64 "\n", u);
  printf("int64 division: %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 "\n", INT64_MIN / 7, INT64_MIN % 7,
         (int64_t)-7 / 2, (int64_t)-7 % 2);
  uint32_t max_steps = 0, argmax = 0;
  for (uint32_t n = 1; n < 30000; n++) {
    uint32_t s = collatz_steps(n);
    if (s > max_steps) max_steps = s, argmax = n;
  }
  printf("collatz: %" PRIu32 " takes %" PRIu32 " steps\n", argmax, max_steps);
  printf("recursion: %" PRId64 "\n", ackermann_like(16, 5));

  // 4. Doubles.
  double sum = 0, harmonic = 0;
  for (int i = 1; i <= 1000000; i++) {
    harmonic += 1.0 / i;
    sum += sqrt((double)i) * (i % 2 ? 1 : -1);
  }
  printf("harmonic(1e6) = %.6f\n", harmonic);
  printf("alternating sqrt sum = %.6f\n", sum);
  double m[8][8], n2[8][8], p[8][8];
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) m[i][j] = (i + 1) * 0.5 - j * 0.25, n2[i][j] = (i == j) ? 2.0 : 1.0 / (1 + i + j);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 8; j++) {
      double s = 0;
      for (int k = 0; k < 8; k++) s += m[i][k] * n2[k][j];
      p[i][j] = s;
    }
  double trace = 0;
  for (int i = 0; i < 8; i++) trace += p[i][i];
  printf("matrix trace = %.6f, p[7][0] = %.6f\n", trace, p[7][0]);
  printf("conversions: %d %d %u %.6f %.6f\n", (int)-2.7, (int)2.7, (unsigned)3.99e9, (double)(float)0.1,
         (double)INT64_MAX);
  printf("float formats: %g %e %.3f %.0f %.0f\n", 1.0 / 3, 12345.678, -0.0005, 0.5, 1.5);

  // 5. Structs sorted by a comparator with ties.
  record recs[6] = {{"delta", 2.5, 4}, {"alpha", 3.25, 1}, {"echo", 2.5, 5},
                    {"bravo", -1.0, 2}, {"charlie", 3.25, 3}, {"foxtrot", 0.0, 6}};
  qsort(recs, 6, sizeof recs[0], cmp_record);
  for (int i = 0; i < 6; i++) printf("%s(%" PRId32 ",%.2f)%s", recs[i].name, recs[i].id, recs[i].score, i < 5 ? " " : "\n");
  return 0;
}
