/* Mandelbrot set as a 1-bit bitmap (the classic benchmark): a tight loop of
 * double multiplies and adds with an escape test. Size: width = height. */
#include "common.h"

int main(int argc, char **argv) {
  int size = (int)bench_size(argc, argv, 3600, 400);
  int row_bytes = (size + 7) / 8;
  unsigned char *bitmap = xmalloc((size_t)row_bytes * size);
  const int max_iter = 50;
  const double limit2 = 4.0;
  for (int y = 0; y < size; y++) {
    double ci = 2.0 * y / size - 1.0;
    unsigned char *row = bitmap + (size_t)y * row_bytes;
    for (int xb = 0; xb < row_bytes; xb++) {
      unsigned bits = 0;
      for (int bit = 0; bit < 8; bit++) {
        int x = xb * 8 + bit;
        double cr = 2.0 * x / size - 1.5;
        double zr = 0.0, zi = 0.0, tr = 0.0, ti = 0.0;
        int i = 0;
        for (; i < max_iter && tr + ti <= limit2; i++) {
          zi = 2.0 * zr * zi + ci;
          zr = tr - ti + cr;
          tr = zr * zr;
          ti = zi * zi;
        }
        bits = (bits << 1) | (x < size && tr + ti <= limit2);
      }
      row[xb] = (unsigned char)bits;
    }
  }
  uint64_t h = hash_bytes(HASH_INIT, bitmap, (size_t)row_bytes * size);
  long inside = 0;
  for (size_t i = 0; i < (size_t)row_bytes * size; i++)
    inside += __builtin_popcount(bitmap[i]);
  printf("mandelbrot size=%d inside=%ld\n", size, inside);
  print_checksum("mandelbrot", h);
  free(bitmap);
  return 0;
}
