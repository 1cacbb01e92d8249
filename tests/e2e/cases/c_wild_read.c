// A load from the top of the 32-bit address space traps too.
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) int peek_wild_pointer(uintptr_t address) { return *(volatile int*)address; }

int main(int argc, char** argv) {
  (void)argv;
  int v = peek_wild_pointer(0xFFFFFFF0u + (uintptr_t)argc);
  printf("not reached: %d\n", v);
  return 0;
}
