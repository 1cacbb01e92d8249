// abort() in wasi-libc is `unreachable`: a trap in function "abort".
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void check_invariant(int value) {
  if (value != 42) abort();
}

int main(int argc, char** argv) {
  (void)argv;
  check_invariant(argc + 40);  // argc is 1: 41
  printf("not reached\n");
  return 0;
}
