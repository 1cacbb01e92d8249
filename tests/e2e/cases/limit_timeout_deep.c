// A loop at the bottom of a deep call chain: the timeout must stop it, and
// the backtrace shows the chain.
#include <stdio.h>

volatile unsigned sink;

__attribute__((noinline)) void spin(void) {
  for (unsigned i = 0;; ++i) sink = i;
}

__attribute__((noinline)) void descend(int depth) {
  if (depth == 0) {
    spin();
    return;
  }
  descend(depth - 1);
  sink += (unsigned)depth;  // not a tail call
}

int main(void) {
  printf("descending\n");
  fflush(stdout);
  descend(200);
  return 0;
}
