/* Memory traffic through memcpy, memmove and memset, the way a compositor, a
 * terminal and a message queue use them: scroll a framebuffer (memmove + memset
 * of the new rows), blit sprites of many widths (memcpy per row), and append
 * variable-size records to a ring buffer (small memcpy, memset on wrap).
 * Built with -mbulk-memory, so in wasm these are memory.copy / memory.fill.
 * Size: frames. */
#include "common.h"

#define W 2048
#define H 1024
#define SHEET_W 1024
#define SHEET_H 512
#define RING (1 << 20)

int main(int argc, char **argv) {
  long frames = bench_size(argc, argv, 20000, 150);
  unsigned char *fb = xmalloc((size_t)W * H);
  unsigned char *sheet = xmalloc((size_t)SHEET_W * SHEET_H);
  unsigned char *ring = xmalloc(RING);
  unsigned char record[512];
  rng_t r = {5};
  for (size_t i = 0; i < (size_t)SHEET_W * SHEET_H; i++) sheet[i] = (unsigned char)rng_next(&r);
  memset(fb, 0x20, (size_t)W * H);
  memset(ring, 0, RING);
  size_t ring_pos = 0;
  uint64_t h = HASH_INIT, appended = 0;

  for (long f = 0; f < frames; f++) {
    /* scroll up by 1..16 rows and clear the rows that appear */
    int k = 1 + (int)(rng_next(&r) % 16);
    memmove(fb, fb + (size_t)k * W, (size_t)(H - k) * W);
    memset(fb + (size_t)(H - k) * W, (int)(f & 0xff), (size_t)k * W);

    /* blit 24 sprites, 8 to 1024 bytes wide, row by row */
    for (int s = 0; s < 24; s++) {
      uint64_t v = rng_next(&r);
      int w = 8 << (v % 8);                       /* 8 .. 1024 */
      int hgt = 4 + (int)((v >> 8) % 60);
      int sx = (int)((v >> 16) % (SHEET_W - w + 1)), sy = (int)((v >> 28) % (SHEET_H - hgt));
      int dx = (int)((v >> 36) % (W - w + 1)), dy = (int)((v >> 48) % (H - hgt));
      for (int row = 0; row < hgt; row++)
        memcpy(fb + (size_t)(dy + row) * W + dx, sheet + (size_t)(sy + row) * SHEET_W + sx, (size_t)w);
    }

    /* append 400 records of 8..263 bytes; the payload is copied out of the framebuffer */
    for (int m = 0; m < 400; m++) {
      uint64_t v = rng_next(&r);
      size_t len = 8 + (size_t)(v % 256);
      memcpy(record, fb + (v >> 20) % ((size_t)W * H - len), len);
      if (ring_pos + len > RING) {
        memset(ring + ring_pos, 0, RING - ring_pos);
        ring_pos = 0;
      }
      memcpy(ring + ring_pos, record, len);
      ring_pos += len;
      appended += len;
    }
    h = hash_u64(h, fb[(size_t)(f * 7919) % ((size_t)W * H)]);
    h = hash_u64(h, ring[(ring_pos + RING - 1) % RING]);
  }
  h = hash_bytes(h, fb + (size_t)(H / 2) * W, W);
  for (size_t i = 0; i < RING; i += 4096) h = hash_u64(h, ring[i]);
  printf("memops frames=%ld appended=%" PRIu64 "\n", frames, appended);
  print_checksum("memops", h);
  free(fb); free(sheet); free(ring);
  return 0;
}
