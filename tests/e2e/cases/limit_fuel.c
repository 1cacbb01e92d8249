// Prints a line per step; fuel stops it part way. The same fuel must stop it
// after the same line at every optimisation level (fuel counts wasm
// instructions, not native ones).
#include <stdio.h>

int main(void) {
  unsigned long long x = 1;
  for (int step = 0;; ++step) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    printf("step %d %llu\n", step, x % 1000);
    fflush(stdout);
  }
}
