/* Image and geometry kernels written for 128-bit SIMD with wasm_simd128.h
 * intrinsics (built with -msimd128): alpha blending of RGBA pixels in 16-bit
 * lanes, a block-matching sum of absolute differences (motion search), and a
 * 4x4 float matrix transform of vertices. Natively the same wasm_* calls map
 * onto clang vector extensions (SSE2 code), see simd_compat.h.
 * Size: frames. */
#include "common.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#else
#include "simd_compat.h"
#endif

#define IMG_W 512
#define IMG_H 256

/* out = (fg * a + bg * (255 - a) + 128) / 255, per channel, a per pixel. */
static void blend(const uint8_t *fg, const uint8_t *bg, const uint8_t *alpha, uint8_t *out, size_t n) {
  const v128_t c255 = wasm_i16x8_splat(255), c128 = wasm_i16x8_splat(128);
  for (size_t i = 0; i < n; i += 16) {
    v128_t f = wasm_v128_load(fg + i), b = wasm_v128_load(bg + i), a = wasm_v128_load(alpha + i);
    v128_t flo = wasm_u16x8_extend_low_u8x16(f), fhi = wasm_u16x8_extend_high_u8x16(f);
    v128_t blo = wasm_u16x8_extend_low_u8x16(b), bhi = wasm_u16x8_extend_high_u8x16(b);
    v128_t alo = wasm_u16x8_extend_low_u8x16(a), ahi = wasm_u16x8_extend_high_u8x16(a);
    v128_t lo = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(flo, alo),
                                              wasm_i16x8_mul(blo, wasm_i16x8_sub(c255, alo))), c128);
    v128_t hi = wasm_i16x8_add(wasm_i16x8_add(wasm_i16x8_mul(fhi, ahi),
                                              wasm_i16x8_mul(bhi, wasm_i16x8_sub(c255, ahi))), c128);
    lo = wasm_u16x8_shr(wasm_i16x8_add(lo, wasm_u16x8_shr(lo, 8)), 8); /* x / 255, rounded */
    hi = wasm_u16x8_shr(wasm_i16x8_add(hi, wasm_u16x8_shr(hi, 8)), 8);
    wasm_v128_store(out + i, wasm_u8x16_narrow_i16x8(lo, hi));
  }
}

/* Sum of absolute differences between a 16x16 block of cur at (bx,by) and ref at (rx,ry). */
static uint32_t sad16(const uint8_t *cur, const uint8_t *ref, int stride, int bx, int by, int rx, int ry) {
  v128_t acc = wasm_i32x4_splat(0);
  for (int y = 0; y < 16; y++) {
    v128_t c = wasm_v128_load(cur + (by + y) * stride + bx);
    v128_t r = wasm_v128_load(ref + (ry + y) * stride + rx);
    v128_t d = wasm_v128_or(wasm_u8x16_sub_sat(c, r), wasm_u8x16_sub_sat(r, c));
    v128_t d16 = wasm_i16x8_add(wasm_u16x8_extend_low_u8x16(d), wasm_u16x8_extend_high_u8x16(d));
    acc = wasm_i32x4_add(acc, wasm_i32x4_add(wasm_u32x4_extend_low_u16x8(d16),
                                             wasm_u32x4_extend_high_u16x8(d16)));
  }
  return (uint32_t)(wasm_i32x4_extract_lane(acc, 0) + wasm_i32x4_extract_lane(acc, 1) +
                    wasm_i32x4_extract_lane(acc, 2) + wasm_i32x4_extract_lane(acc, 3));
}

/* Best motion vector for each 16x16 block within +-8 pixels; returns the sum of best SADs. */
static uint64_t motion_search(const uint8_t *cur, const uint8_t *ref, int w, int h, int32_t *vectors) {
  uint64_t total = 0;
  int b = 0;
  for (int by = 16; by + 32 <= h; by += 16)
    for (int bx = 16; bx + 32 <= w; bx += 16, b++) {
      uint32_t best = UINT32_MAX;
      int32_t best_v = 0;
      for (int dy = -8; dy <= 8; dy++)
        for (int dx = -8; dx <= 8; dx++) {
          uint32_t s = sad16(cur, ref, w, bx, by, bx + dx, by + dy);
          if (s < best) {
            best = s;
            best_v = dy * 32 + dx;
          }
        }
      vectors[b] = best_v;
      total += best;
    }
  return total;
}

/* out[i] = M * v[i] for xyzw vertices, M column-major. */
static void transform(const float *m, const float *in, float *out, size_t n) {
  v128_t c0 = wasm_v128_load(m), c1 = wasm_v128_load(m + 4), c2 = wasm_v128_load(m + 8),
         c3 = wasm_v128_load(m + 12);
  for (size_t i = 0; i < n; i++) {
    v128_t v = wasm_v128_load(in + 4 * i);
    v128_t x = wasm_i32x4_shuffle(v, v, 0, 0, 0, 0), y = wasm_i32x4_shuffle(v, v, 1, 1, 1, 1);
    v128_t z = wasm_i32x4_shuffle(v, v, 2, 2, 2, 2), w = wasm_i32x4_shuffle(v, v, 3, 3, 3, 3);
    v128_t r = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(c0, x), wasm_f32x4_mul(c1, y)),
                              wasm_f32x4_add(wasm_f32x4_mul(c2, z), wasm_f32x4_mul(c3, w)));
    wasm_v128_store(out + 4 * i, r);
  }
}

int main(int argc, char **argv) {
  long frames = bench_size(argc, argv, 300, 10);
  size_t npix = (size_t)IMG_W * IMG_H, nbytes = npix * 4;
  uint8_t *fg = xmalloc(nbytes), *bg = xmalloc(nbytes), *alpha = xmalloc(nbytes), *out = xmalloc(nbytes);
  uint8_t *cur = xmalloc(npix), *ref = xmalloc(npix);
  int32_t *vectors = xmalloc(sizeof(int32_t) * (IMG_W / 16) * (IMG_H / 16));
  enum { NV = 16384 };
  float *verts = xmalloc(sizeof(float) * 4 * NV), *tverts = xmalloc(sizeof(float) * 4 * NV);
  rng_t r = {3};
  for (size_t i = 0; i < nbytes; i++) fg[i] = (uint8_t)rng_next(&r);
  for (size_t i = 0; i < nbytes; i++) bg[i] = (uint8_t)(i * 7 + (i >> 11));
  for (size_t p = 0; p < npix; p++) {
    uint8_t a = (uint8_t)rng_next(&r);
    for (int c = 0; c < 4; c++) alpha[4 * p + c] = a; /* one alpha per pixel, in every channel */
  }
  /* a smooth reference frame (so the motion search has a real minimum) */
  for (int y = 0; y < IMG_H; y++)
    for (int x = 0; x < IMG_W; x++)
      ref[y * IMG_W + x] = (uint8_t)((x * x / 37 + y * 3 + (x ^ y)) & 0xff);
  for (size_t i = 0; i < 4 * NV; i++) verts[i] = (float)((int)(rng_next(&r) % 2001) - 1000) / 64.0f;
  for (size_t i = 3; i < 4 * NV; i += 4) verts[i] = 1.0f;

  uint64_t h = HASH_INIT;
  for (long f = 0; f < frames; f++) {
    blend(fg, bg, alpha, out, nbytes);
    h = hash_bytes(h, out + (size_t)(f * 4099) % (nbytes - 64), 64);
    memcpy(bg, out, nbytes); /* the next frame blends over this one */

    /* current frame: the reference shifted by a frame-dependent vector, plus noise */
    int sx = (int)(f % 7) - 3, sy = (int)(f % 5) - 2;
    for (int y = 0; y < IMG_H; y++)
      for (int x = 0; x < IMG_W; x++) {
        int rx = x + sx, ry = y + sy;
        uint8_t v = (rx >= 0 && rx < IMG_W && ry >= 0 && ry < IMG_H) ? ref[ry * IMG_W + rx] : 0;
        cur[y * IMG_W + x] = (uint8_t)(v + ((x * 31 + y * 17 + (int)f) % 5 == 0));
      }
    uint64_t total = motion_search(cur, ref, IMG_W, IMG_H, vectors);
    h = hash_u64(hash_u64(h, total), (uint32_t)vectors[f % 64]);

    float m[16] = {0.8f, 0.1f, -0.2f, 0.0f, -0.1f, 0.9f, 0.05f, 0.0f,
                   0.2f, -0.05f, 0.95f, 0.0f, (float)f, 1.5f, -2.0f, 1.0f};
    for (int k = 0; k < 4; k++) {
      transform(m, verts, tverts, NV);
      transform(m, tverts, verts, NV);
    }
    for (size_t i = 0; i < 4 * NV; i++) verts[i] = verts[i] * (1.0f / 64.0f) + (float)(i & 3); /* keep finite */
    h = hash_f32(hash_f32(h, verts[(size_t)f * 4 % (4 * NV)]), verts[4 * NV - 2]);
  }
  printf("simd frames=%ld\n", frames);
  print_checksum("simd", h);
  free(fg); free(bg); free(alpha); free(out); free(cur); free(ref); free(vectors);
  free(verts); free(tverts);
  return 0;
}
