/* Dense double-precision matrix multiply, n x n, row-major, in the i-k-j
 * order a compiler can vectorize (the inner loop streams a row of B into a row
 * of C): C = A * B, A = C * B, twice, then C = A * B. Size: n. (Three 1024x1024 matrices keep
 * the wasm memory under 32 MiB, see bench/README.md on Node.) */
#include "common.h"

static void matmul(int n, const double *a, const double *b, double *c) {
  for (int i = 0; i < n; i++) {
    double *ci = c + (size_t)i * n;
    for (int j = 0; j < n; j++) ci[j] = 0.0;
    for (int k = 0; k < n; k++) {
      double aik = a[(size_t)i * n + k];
      const double *bk = b + (size_t)k * n;
      for (int j = 0; j < n; j++) ci[j] += aik * bk[j];
    }
  }
}

int main(int argc, char **argv) {
  int n = (int)bench_size(argc, argv, 1024, 160);
  size_t nn = (size_t)n * n;
  double *a = xmalloc(nn * sizeof *a), *b = xmalloc(nn * sizeof *b),
         *c = xmalloc(nn * sizeof *c);
  rng_t r = {42};
  for (size_t i = 0; i < nn; i++) a[i] = rng_unit(&r);
  for (size_t i = 0; i < nn; i++) b[i] = rng_unit(&r);
  for (int round = 0; round < 2; round++) {
    matmul(n, a, b, c);
    matmul(n, c, b, a);
  }
  matmul(n, a, b, c);
  uint64_t h = HASH_INIT;
  double trace = 0.0;
  for (size_t i = 0; i < nn; i++) h = hash_f64(h, c[i]);
  for (int i = 0; i < n; i++) trace += c[(size_t)i * n + i];
  printf("matmul n=%d trace=%.6e\n", n, trace);
  print_checksum("matmul", h);
  free(a); free(b); free(c);
  return 0;
}
