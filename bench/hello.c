/* Startup-time probe for scripts/bench.sh: does nothing but print a line. */
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
