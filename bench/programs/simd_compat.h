/* Native stand-ins for the wasm_simd128.h intrinsics simd.c uses, written with
 * clang's vector extensions, with the same lane semantics as the WebAssembly
 * instructions (so native and wasm results are bit-identical). On x86-64 they
 * compile to SSE2. Only what simd.c needs. */
#ifndef KILN_BENCH_SIMD_COMPAT_H
#define KILN_BENCH_SIMD_COMPAT_H

#include <stdint.h>
#include <string.h>

typedef int32_t v128_t __attribute__((vector_size(16), aligned(16)));
typedef uint8_t u8x16_ __attribute__((vector_size(16)));
typedef int16_t i16x8_ __attribute__((vector_size(16)));
typedef int16_t i16x16_ __attribute__((vector_size(32)));
typedef uint16_t u16x8_ __attribute__((vector_size(16)));
typedef uint8_t u8x8_ __attribute__((vector_size(8)));
typedef uint16_t u16x4_ __attribute__((vector_size(8)));
typedef int32_t i32x4_ __attribute__((vector_size(16)));
typedef uint32_t u32x4_ __attribute__((vector_size(16)));
typedef float f32x4_ __attribute__((vector_size(16)));

static inline v128_t wasm_v128_load(const void *p) { v128_t v; memcpy(&v, p, 16); return v; }
static inline void wasm_v128_store(void *p, v128_t v) { memcpy(p, &v, 16); }
static inline v128_t wasm_v128_or(v128_t a, v128_t b) { return a | b; }

static inline v128_t wasm_i16x8_splat(int16_t x) { return (v128_t)(i16x8_){x, x, x, x, x, x, x, x}; }
static inline v128_t wasm_i32x4_splat(int32_t x) { return (v128_t)(i32x4_){x, x, x, x}; }
static inline v128_t wasm_i16x8_add(v128_t a, v128_t b) { return (v128_t)((u16x8_)a + (u16x8_)b); }
static inline v128_t wasm_i16x8_sub(v128_t a, v128_t b) { return (v128_t)((u16x8_)a - (u16x8_)b); }
static inline v128_t wasm_i16x8_mul(v128_t a, v128_t b) { return (v128_t)((u16x8_)a * (u16x8_)b); }
static inline v128_t wasm_u16x8_shr(v128_t a, uint32_t n) { return (v128_t)((u16x8_)a >> (uint16_t)(n & 15)); }
static inline v128_t wasm_i32x4_add(v128_t a, v128_t b) { return (v128_t)((u32x4_)a + (u32x4_)b); }
static inline int32_t wasm_i32x4_extract_lane(v128_t a, int i) { return a[i]; }

static inline v128_t wasm_u8x16_sub_sat(v128_t a, v128_t b) {
  return (v128_t)__builtin_elementwise_sub_sat((u8x16_)a, (u8x16_)b);
}
static inline v128_t wasm_u16x8_extend_low_u8x16(v128_t a) {
  u8x8_ h = __builtin_shufflevector((u8x16_)a, (u8x16_)a, 0, 1, 2, 3, 4, 5, 6, 7);
  return (v128_t)__builtin_convertvector(h, u16x8_);
}
static inline v128_t wasm_u16x8_extend_high_u8x16(v128_t a) {
  u8x8_ h = __builtin_shufflevector((u8x16_)a, (u8x16_)a, 8, 9, 10, 11, 12, 13, 14, 15);
  return (v128_t)__builtin_convertvector(h, u16x8_);
}
static inline v128_t wasm_u32x4_extend_low_u16x8(v128_t a) {
  u16x4_ h = __builtin_shufflevector((u16x8_)a, (u16x8_)a, 0, 1, 2, 3);
  return (v128_t)__builtin_convertvector(h, u32x4_);
}
static inline v128_t wasm_u32x4_extend_high_u16x8(v128_t a) {
  u16x4_ h = __builtin_shufflevector((u16x8_)a, (u16x8_)a, 4, 5, 6, 7);
  return (v128_t)__builtin_convertvector(h, u32x4_);
}
/* signed 16-bit lanes saturated to unsigned 8 bits */
static inline v128_t wasm_u8x16_narrow_i16x8(v128_t a, v128_t b) {
  const i16x8_ lo = {0, 0, 0, 0, 0, 0, 0, 0}, hi = {255, 255, 255, 255, 255, 255, 255, 255};
  i16x8_ ca = __builtin_elementwise_min(__builtin_elementwise_max((i16x8_)a, lo), hi);
  i16x8_ cb = __builtin_elementwise_min(__builtin_elementwise_max((i16x8_)b, lo), hi);
  i16x16_ both = __builtin_shufflevector(ca, cb, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return (v128_t)__builtin_convertvector(both, u8x16_);
}
#define wasm_i32x4_shuffle(a, b, i0, i1, i2, i3) \
  ((v128_t)__builtin_shufflevector((i32x4_)(a), (i32x4_)(b), i0, i1, i2, i3))
static inline v128_t wasm_f32x4_add(v128_t a, v128_t b) { return (v128_t)((f32x4_)a + (f32x4_)b); }
static inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return (v128_t)((f32x4_)a * (f32x4_)b); }

#endif
