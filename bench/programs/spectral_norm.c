/* Spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2 + i + 1),
 * by the power method on A^T A (the classic benchmark). Size: n. */
#include <math.h>
#include "common.h"

static inline double eval_a(int i, int j) {
  return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(int n, const double *v, double *av) {
  for (int i = 0; i < n; i++) {
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += eval_a(i, j) * v[j];
    av[i] = sum;
  }
}

static void mul_atv(int n, const double *v, double *atv) {
  for (int i = 0; i < n; i++) {
    double sum = 0.0;
    for (int j = 0; j < n; j++) sum += eval_a(j, i) * v[j];
    atv[i] = sum;
  }
}

static void mul_atav(int n, const double *v, double *out, double *tmp) {
  mul_av(n, v, tmp);
  mul_atv(n, tmp, out);
}

int main(int argc, char **argv) {
  int n = (int)bench_size(argc, argv, 4200, 400);
  double *u = xmalloc(n * sizeof *u), *v = xmalloc(n * sizeof *v),
         *tmp = xmalloc(n * sizeof *tmp);
  for (int i = 0; i < n; i++) u[i] = 1.0;
  for (int i = 0; i < 10; i++) {
    mul_atav(n, u, v, tmp);
    mul_atav(n, v, u, tmp);
  }
  double vbv = 0.0, vv = 0.0;
  for (int i = 0; i < n; i++) {
    vbv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  printf("spectral_norm n=%d %.9f\n", n, sqrt(vbv / vv));
  uint64_t h = HASH_INIT;
  for (int i = 0; i < n; i++) h = hash_f64(h, u[i]);
  print_checksum("spectral_norm", h);
  free(u); free(v); free(tmp);
  return 0;
}
