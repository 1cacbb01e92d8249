// Reads all of stdin in small chunks and echoes it uppercased, then counts.
#include <ctype.h>
#include <stdio.h>

int main(void) {
  char buf[7];  // small on purpose: many reads
  size_t n, total = 0, lines = 0;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    for (size_t i = 0; i < n; i++) {
      if (buf[i] == '\n') lines++;
      buf[i] = (char)toupper((unsigned char)buf[i]);
    }
    fwrite(buf, 1, n, stdout);
    total += n;
  }
  if (ferror(stdin)) {
    fprintf(stderr, "read error\n");
    return 1;
  }
  printf("-- %zu bytes, %zu lines\n", total, lines);
  return 0;
}
