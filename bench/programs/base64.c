/* Base64 (RFC 4648) encoding and decoding of a buffer, round-tripped and
 * verified each round: byte shuffling, table lookups, validation branches.
 * Size: MiB encoded (and decoded). */
#include "common.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static signed char inverse[256];

/* Our own comparison (libc's memcmp differs between glibc and wasi-libc). */
static int same_bytes(const unsigned char *a, const unsigned char *b, size_t n) {
  uint64_t diff = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    diff |= x ^ y;
  }
  for (; i < n; i++) diff |= (uint64_t)(a[i] ^ b[i]);
  return diff == 0;
}

static size_t encode(const unsigned char *in, size_t n, char *out) {
  char *o = out;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = alphabet[v & 63];
    o += 4;
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = o[3] = '=';
    o += 4;
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    o[0] = alphabet[v >> 18];
    o[1] = alphabet[(v >> 12) & 63];
    o[2] = alphabet[(v >> 6) & 63];
    o[3] = '=';
    o += 4;
  }
  return (size_t)(o - out);
}

/* Returns the decoded length, or (size_t)-1 on malformed input. */
static size_t decode(const char *in, size_t n, unsigned char *out) {
  if (n % 4) return (size_t)-1;
  unsigned char *o = out;
  for (size_t i = 0; i < n; i += 4) {
    int a = inverse[(unsigned char)in[i]], b = inverse[(unsigned char)in[i + 1]];
    int c = inverse[(unsigned char)in[i + 2]], d = inverse[(unsigned char)in[i + 3]];
    if ((a | b | c | d) < 0) {
      if (i + 4 != n || a < 0 || b < 0) return (size_t)-1;
      if (in[i + 2] == '=' && in[i + 3] == '=') {
        *o++ = (unsigned char)(a << 2 | b >> 4);
        break;
      }
      if (c >= 0 && in[i + 3] == '=') {
        *o++ = (unsigned char)(a << 2 | b >> 4);
        *o++ = (unsigned char)(b << 4 | c >> 2);
        break;
      }
      return (size_t)-1;
    }
    uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
    o[0] = (unsigned char)(v >> 16);
    o[1] = (unsigned char)(v >> 8);
    o[2] = (unsigned char)v;
    o += 3;
  }
  return (size_t)(o - out);
}

int main(int argc, char **argv) {
  long mib = bench_size(argc, argv, 900, 10);
  memset(inverse, -1, sizeof inverse);
  for (int i = 0; i < 64; i++) inverse[(unsigned char)alphabet[i]] = (signed char)i;

  size_t size = 1 << 20;
  unsigned char *data = xmalloc(size), *back = xmalloc(size);
  char *text = xmalloc(size / 3 * 4 + 8);
  rng_t r = {2024};
  for (size_t i = 0; i < size; i++) data[i] = (unsigned char)rng_next(&r);
  uint64_t h = HASH_INIT;
  for (long round = 0; round < mib; round++) {
    size_t n = size - (size_t)(round % 3); /* all three padding cases */
    size_t tn = encode(data, n, text);
    size_t bn = decode(text, tn, back);
    if (bn != n || !same_bytes(back, data, n)) {
      printf("round trip failed in round %ld\n", round);
      return 1;
    }
    h = hash_u64(h, tn);
    h = hash_bytes(h, text + (size_t)round % 4096 * 64, 64);
    data[(size_t)round * 7919 % size] ^= (unsigned char)text[round % 1000]; /* next input */
  }
  printf("base64 %ld MiB, tail %.*s\n", mib, 12, text + size / 3 * 4 - 12);
  print_checksum("base64", h);
  free(data); free(back); free(text);
  return 0;
}
