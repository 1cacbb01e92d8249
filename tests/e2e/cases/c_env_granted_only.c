// Prints the guest's whole environment, sorted. Under `kiln run` it must hold
// exactly the variables granted with --env, none of kiln's own.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

static int cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

int main(void) {
  size_t n = 0;
  while (environ && environ[n]) n++;
  char** copy = malloc((n + 1) * sizeof *copy);
  if (!copy) return 1;
  memcpy(copy, environ, n * sizeof *copy);
  qsort(copy, n, sizeof *copy, cmp);
  printf("%zu variables\n", n);
  for (size_t i = 0; i < n; i++) printf("%s\n", copy[i]);
  free(copy);
  return 0;
}
