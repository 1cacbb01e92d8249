/* CRC-32 (IEEE 802.3, as in zlib and gzip), slicing-by-8 over 64-bit words
 * plus the byte-at-a-time table for tails; table lookups, shifts and xors.
 * Size: MiB checksummed. */
#include "common.h"

static uint32_t table[8][256];

static void make_tables(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++) table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

static uint32_t crc32_bytewise(uint32_t crc, const unsigned char *p, size_t n) {
  crc = ~crc;
  while (n--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

static uint32_t crc32_slice8(uint32_t crc, const unsigned char *p, size_t n) {
  crc = ~crc;
  while (n && ((uintptr_t)p & 7)) {
    crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
    n--;
  }
  for (; n >= 8; n -= 8, p += 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
    lo ^= crc;
    crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^
          table[4][lo >> 24] ^ table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
          table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
  }
  while (n--) crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
  return ~crc;
}

int main(int argc, char **argv) {
  long mib = bench_size(argc, argv, 1600, 40);
  make_tables();
  printf("crc32(123456789) = %08x\n", crc32_slice8(0, (const unsigned char *)"123456789", 9));
  size_t size = 1 << 20;
  unsigned char *buf = xmalloc(size + 8);
  rng_t r = {99};
  for (size_t i = 0; i < size + 8; i++) buf[i] = (unsigned char)rng_next(&r);
  uint32_t crc = 0;
  uint64_t h = HASH_INIT;
  for (long round = 0; round < mib; round++) {
    /* vary the alignment and length so the head and tail loops run too */
    size_t off = (size_t)round % 8;
    crc = crc32_slice8(crc, buf + off, size - off);
    buf[round % size] ^= (unsigned char)crc;
    if (round % 64 == 0) h = hash_u64(h, crc32_bytewise(crc, buf, 4096));
  }
  printf("crc32 of %ld MiB = %08x\n", mib, crc);
  print_checksum("crc32", hash_u64(h, crc));
  free(buf);
  return 0;
}
