/* 2-D heat diffusion: a 5-point Jacobi stencil on a single-precision grid with
 * fixed hot and cold boundaries, two buffers swapped each sweep (the inner
 * loop of many image and PDE codes). Size: sweeps over a 1024x1024 grid. */
#include "common.h"

#define N 1024

static void sweep(const float *restrict src, float *restrict dst) {
  for (int y = 1; y < N - 1; y++) {
    const float *up = src + (y - 1) * N, *mid = src + y * N, *down = src + (y + 1) * N;
    float *out = dst + y * N;
    for (int x = 1; x < N - 1; x++)
      out[x] = mid[x] + 0.2f * (up[x] + down[x] + mid[x - 1] + mid[x + 1] - 4.0f * mid[x]);
  }
}

int main(int argc, char **argv) {
  long sweeps = bench_size(argc, argv, 3000, 40);
  float *a = xmalloc(sizeof(float) * N * N), *b = xmalloc(sizeof(float) * N * N);
  for (int y = 0; y < N; y++)
    for (int x = 0; x < N; x++) {
      float v = 0.0f;
      if (y == 0) v = 100.0f;                  /* hot top edge */
      if (x == 0 || x == N - 1) v = 25.0f;     /* warm sides */
      if ((x - 300) * (x - 300) + (y - 600) * (y - 600) < 900) v = 80.0f;
      a[y * N + x] = b[y * N + x] = v;
    }
  for (long s = 0; s < sweeps; s++) {
    sweep(a, b);
    float *t = a; a = b; b = t;
  }
  uint64_t h = HASH_INIT;
  double total = 0.0;
  for (int i = 0; i < N * N; i++) {
    h = hash_f32(h, a[i]);
    total += a[i];
  }
  printf("stencil sweeps=%ld heat=%.6e\n", sweeps, total);
  print_checksum("stencil", h);
  free(a); free(b);
  return 0;
}
