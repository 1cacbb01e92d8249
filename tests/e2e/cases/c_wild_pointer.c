// A store through a wild pointer far beyond linear memory (2 GiB, memory is a
// few pages) traps with "out of bounds memory access".
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) void poke_wild_pointer(uintptr_t address, int value) {
  *(volatile int*)address = value;
}

int main(int argc, char** argv) {
  (void)argv;
  uintptr_t address = 0x80000000u + (uintptr_t)argc * 4096u;
  poke_wild_pointer(address, 1234);
  printf("not reached\n");
  return 0;
}
